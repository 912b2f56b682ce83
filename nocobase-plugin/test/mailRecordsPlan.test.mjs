// "Create record from this mail" and the records a message matches: `node --test`.
import assert from 'node:assert/strict';
import test from 'node:test';
import { guessTargets, mailValues, matchableCollections, recordTitle, writableFields } from '../src/client/mail/mailRecordsPlan.mjs';

const tickets = {
  name: 'tickets',
  titleField: 'title',
  fields: [
    { name: 'id', interface: 'id', primaryKey: true },
    { name: 'title', interface: 'input' },
    { name: 'contactEmail', interface: 'email' },
    { name: 'details', interface: 'textarea' },
    { name: 'receivedAt', interface: 'datetime' },
    { name: 'priority', interface: 'select' },
    { name: 'createdAt', interface: 'createdAt' },
  ],
};
const mail = { subject: 'Printer jammed', from: { name: 'Pat', address: 'pat@acme.test' }, date: '2026-12-06T10:00:00Z', bodyText: 'Tray 2.', snippet: 'Tray' };

test('a ticket collection gets the subject, the sender, the date and the text where they fit', () => {
  assert.deepEqual(writableFields(tickets).map((f) => f.name), ['title', 'contactEmail', 'details', 'receivedAt']);
  const targets = guessTargets(tickets);
  assert.deepEqual(targets, { fromAddress: 'contactEmail', subject: 'title', date: 'receivedAt', text: 'details' });
  assert.deepEqual(mailValues(mail, targets), { title: 'Printer jammed', contactEmail: 'pat@acme.test', receivedAt: '2026-12-06T10:00:00Z', details: 'Tray 2.' });
  assert.deepEqual(mailValues(mail, { fromName: 'title' }), { title: 'Pat' });
  assert.deepEqual(mailValues({ ...mail, bodyText: null }, { text: 'details' }), { details: 'Tray' });
});

test('records match through email fields of visible collections; a record is called by its title', () => {
  const customers = { name: 'customers', fields: [{ name: 'email', interface: 'email' }, { name: 'name', interface: 'input' }] };
  const hidden = { name: 'secrets', hidden: true, fields: [{ name: 'email', interface: 'email' }] };
  assert.deepEqual(matchableCollections([tickets, customers, hidden]).map((m) => `${m.collection.name}.${m.field}`), ['tickets.contactEmail', 'customers.email']);
  assert.equal(recordTitle(customers, { id: 4, name: 'Ann' }), 'Ann');
  // A person's record is named after the sender, not the subject.
  assert.deepEqual(guessTargets(customers), { fromAddress: 'email', fromName: 'name' });
  assert.equal(recordTitle(tickets, { id: 4, title: '' }), '#4');
});

test('NocoBase\'s own titles are translated; users and roles are not offered for new records', async () => {
  const { shownTitle, userCollections } = await import('../src/client/mail/mailRecordsPlan.mjs');
  const t = (text) => `T:${text}`;
  assert.equal(shownTitle(t, '{{t("Users")}}', 'users'), 'T:Users');
  assert.equal(shownTitle(t, "{{ t('Roles', { ns: 'x' }) }}", 'roles'), 'T:Roles');
  assert.equal(shownTitle(t, 'Tickets', 'tickets'), 'T:Tickets');
  assert.equal(shownTitle(t, null, 'tickets'), 'T:tickets');
  // Collections made in the UI name the data-source plugin as their origin: they stay.
  assert.deepEqual(userCollections([{ name: 'users' }, { name: 'roles' }, { name: 'h', hidden: true }, { name: 'tickets', origin: '@nocobase/plugin-data-source-main' }]).map((c) => c.name), ['tickets']);
});
