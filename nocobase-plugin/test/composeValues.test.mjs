// What the compose form sends: From from the identities, the signature by id, an answer's
// reference (sent exactly as shown), a draft's version and kept files, and the form
// fields as multipart. Run with `node --test test/`.
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  draftValues, fillRecipient, identityOptions, isBlank, messageValues, pickIdentity, recipientVariable, splitDraftHtml,
  toFormData,
} from '../src/client/compose/values.mjs';

const accounts = [
  { id: 1, email: 'ann@gmail.test', identities: [
    { address: 'ann@gmail.test', name: 'Ann', isDefault: true, signatureId: 4 },
    { address: 'Sales@Acme.test', name: 'Acme Sales', isDefault: false, signatureId: null },
  ] },
  { id: 2, email: 'ann@contoso.test', displayName: 'Ann Lee' },
];

test('From lists every address of every mailbox, a mailbox without identities by its own address', () => {
  const options = identityOptions(accounts);
  assert.deepEqual(options.map((o) => o.label), ['Ann <ann@gmail.test>', 'Acme Sales <Sales@Acme.test>', 'Ann Lee <ann@contoso.test>']);
  assert.equal(pickIdentity(options, 1, 'sales@acme.test').address, 'Sales@Acme.test', 'an answer leaves from the alias, whatever its case');
  assert.equal(pickIdentity(options, 1, 'gone@acme.test').address, 'ann@gmail.test', 'an address no longer listed falls back to the mailbox');
  assert.equal(pickIdentity(options, 2).signatureId, null);
  assert.equal(pickIdentity(options, 1).signatureId, 4);
});

test('an answer names its original and is sent to exactly the recipients shown', () => {
  const identity = pickIdentity(identityOptions(accounts), 1, 'sales@acme.test');
  const values = messageValues({
    identity, to: ['Carl <carl@globex.test>'], subject: 'Re: Pricing', html: '<p>Yes</p>', signatureId: 9,
    reference: { messageId: 31, action: 'reply', ignored: true }, recipientsShown: true,
  });
  assert.deepEqual(values, {
    accountId: 1, from: 'Sales@Acme.test', to: ['Carl <carl@globex.test>'], cc: [], bcc: [], subject: 'Re: Pricing',
    html: '<p>Yes</p>', signatureId: 9, reference: { messageId: 31, action: 'reply', fillRecipients: false },
  });
  const saved = draftValues({ identity, html: '<p>x</p>' }, { id: '1:r-9', version: 'v2' }, [0, 2]);
  assert.equal(saved.version, 'v2');
  assert.deepEqual(saved.keepAttachments, [0, 2], 'an empty list would drop every file: it is sent as it is');
  assert.equal(saved.accountId, undefined, 'the draft id names the mailbox');
  assert.equal(saved.signatureId, undefined, 'no signature chosen, none sent');
});

test('multipart carries lists as repeated fields and the reference as bracketed keys', () => {
  const parts = [];
  class Recorder { append(name, value, filename) { parts.push([name, typeof value === 'string' ? value : filename]); } }
  toFormData({ accountId: 1, to: ['a@x.test', 'b@x.test'], reference: { messageId: 3, action: 'forward' }, signatureId: undefined },
    [{ name: 'q.pdf' }], Recorder);
  assert.deepEqual(parts, [
    ['accountId', '1'], ['to', 'a@x.test'], ['to', 'b@x.test'], ['reference[messageId]', '3'], ['reference[action]', 'forward'], ['attachments', 'q.pdf'],
  ]);
});

test('an editor with only empty paragraphs is blank; a pasted image is not', () => {
  assert.equal(isBlank('<p><br></p>'), true);
  assert.equal(isBlank('<p>&nbsp;</p>'), true);
  assert.equal(isBlank('<p><img src="data:image/png;base64,AA=="></p>'), false);
  assert.equal(isBlank('<p>Hi</p>'), false);
});

test('$recipient is the first To, with or without a display name', () => {
  assert.deepEqual(recipientVariable(['"Carl Globex" <carl@globex.test>', 'x@y.test']), { name: 'Carl Globex', address: 'carl@globex.test' });
  assert.deepEqual(recipientVariable(['carl@globex.test']), { name: null, address: 'carl@globex.test' });
  assert.equal(recipientVariable([]), undefined);
});

test('a draft reopened keeps its signature and quote out of the editor, as they were', () => {
  const signature = '<div class="email-manager-signature"><table><tr><td>Eve</td></tr></table></div>';
  const quote = '<div class="quote">On Mon, Carl wrote:<br><blockquote>How much?</blockquote></div>';
  const ours = splitDraftHtml(`<p>Here is the <strong>plan</strong></p><br>${signature}<br>${quote}`);
  assert.equal(ours.own, '<p>Here is the <strong>plan</strong></p>');
  assert.equal(`${ours.own}${ours.kept}`, `<p>Here is the <strong>plan</strong></p><br>${signature}<br>${quote}`, 'nothing is lost');
  const gmail = splitDraftHtml('<div dir="ltr">Sure</div><br><div class="gmail_quote"><blockquote>q</blockquote></div>');
  assert.equal(gmail.own, '<div dir="ltr">Sure</div>');
  assert.equal(splitDraftHtml('<p>Only text</p>').kept, '');
  assert.deepEqual(splitDraftHtml(null), { own: '', kept: '' });
});

test('a template picked before the To is typed gets its recipient when the To comes', () => {
  const who = recipientVariable(['"O\'Brien & Co" <ob@northwind.test>']);
  assert.equal(
    fillRecipient('<p>Dear {{ $recipient.name }} ({{$recipient.address}}), {{$nRecord.name}}</p>', who, true),
    '<p>Dear O&#39;Brien &amp; Co (ob@northwind.test), {{$nRecord.name}}</p>',
  );
  assert.equal(fillRecipient('Offer for {{$recipient.name}}', who), "Offer for O'Brien & Co");
  // A bare address has no name: that placeholder stays, and send still refuses it.
  const bare = recipientVariable(['ann@northwind.test']);
  assert.equal(fillRecipient('Dear {{$recipient.name}} <{{$recipient.address}}>', bare), 'Dear {{$recipient.name}} <ann@northwind.test>');
  assert.equal(fillRecipient('Dear {{$recipient.name}}', undefined), 'Dear {{$recipient.name}}');
});
