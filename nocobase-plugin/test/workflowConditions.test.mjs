// Which mail starts an "Email received" workflow, and what a "Send email" node sends:
// `node --test nocobase-plugin/test`.
import assert from 'node:assert/strict';
import test from 'node:test';
import conditions from '../src/server/workflow/conditions.js';
import values from '../src/server/workflow/sendValues.js';
import context from '../src/server/workflow/context.js';

const { matches, fromEntries } = conditions;
const { sendValues, addressesOf } = values;

const invoice = {
  from: { name: 'Ann', address: 'Ann@EU.Customer.example' },
  subject: 'Invoice 42 overdue',
  bodyText: null,
  bodyHtml: '<p>Please pay <b>invoice&nbsp;42</b></p><script>ignore me</script>',
  hasAttachments: true,
};

test('a customer domain covers its subdomains; an address matches only itself', () => {
  assert.deepEqual(fromEntries('ann@x.example, @customer.example\nother.example'), ['ann@x.example', '@customer.example', '@other.example']);
  assert.ok(matches({ from: 'customer.example' }, invoice));
  assert.ok(matches({ from: '@customer.example' }, invoice));
  assert.ok(matches({ from: 'ann@eu.customer.example' }, invoice));
  assert.ok(!matches({ from: 'bob@eu.customer.example' }, invoice));
  // Not a suffix of another name: notcustomer.example is not customer.example.
  assert.ok(!matches({ from: 'customer.example' }, { ...invoice, from: { address: 'x@notcustomer.example' } }));
});

test('subject and body conditions ignore case; the body falls back to the HTML text', () => {
  assert.ok(matches({ subjectContains: 'INVOICE' }, invoice));
  assert.ok(!matches({ subjectContains: 'refund' }, invoice));
  assert.ok(matches({ bodyContains: 'invoice 42' }, invoice));
  assert.ok(!matches({ bodyContains: 'ignore me' }, invoice), 'script text is not body text');
});

test('labels, attachments, and no conditions at all', () => {
  assert.ok(matches({ label: 'customers' }, invoice, ['Inbox', 'Customers']));
  assert.ok(!matches({ label: 'customers' }, invoice, ['Inbox']));
  assert.ok(matches({ hasAttachments: true }, invoice));
  assert.ok(!matches({ hasAttachments: false }, invoice));
  assert.ok(matches({}, invoice));
  assert.ok(matches({ from: '', subjectContains: ' ' }, invoice));
});

test('the context flattens what a workflow puts in record fields', () => {
  const ctx = context.contextOf({ kind: 'received', accountId: 3 }, { ...invoice, id: 9, to: [{ address: 'me@x.example' }], attachments: [{ id: 1, filename: 'a.pdf', inline: false }, { id: 2, inline: true }] }, { mailbox: { email: 'me@x.example' } });
  assert.equal(ctx.message.fromDomain, 'eu.customer.example');
  assert.equal(ctx.message.toAddresses, 'me@x.example');
  assert.equal(ctx.message.text, 'Please pay invoice 42');
  assert.deepEqual(ctx.message.attachments.map((a) => a.id), [1]);
  assert.deepEqual(ctx.mailbox, { id: 3, email: 'me@x.example' });
});

test('recipients come from text, lists and records; none at all is an error', () => {
  assert.deepEqual(addressesOf('a@x.example; b@x.example,\nc@x.example'), ['a@x.example', 'b@x.example', 'c@x.example']);
  assert.deepEqual(addressesOf([{ email: 'd@x.example' }, ['e@x.example']]), ['d@x.example', 'e@x.example']);
  const sent = sendValues({ accountId: '4', from: 'sales@x.example' }, { to: 'a@x.example', subject: 'Hi', body: '<p>Hello</p>' }, null);
  assert.deepEqual(sent, { accountId: 4, to: ['a@x.example'], cc: [], bcc: [], subject: 'Hi', from: 'sales@x.example', html: '<p>Hello</p>' });
  const templated = sendValues({ accountId: 4 }, { to: 'a@x.example' }, { subject: 'T', html: '<p>t</p>', text: 't' });
  assert.equal(templated.subject, 'T');
  assert.equal(templated.text, 't');
  assert.throws(() => sendValues({ accountId: 4 }, { to: '', cc: [] }, null), /no recipients/);
});
