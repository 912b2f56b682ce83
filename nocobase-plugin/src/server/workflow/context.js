// What an "Email received" / "Email sent" workflow is handed as its trigger's context
// ($context in the workflow's variables): the message's fields flattened for use in
// conditions and record fields, and, when the trigger asks, its attachments as NocoBase
// files.

const { bodyText } = require('./conditions');

// The most of a body handed on: a workflow puts text into record fields, not archives.
const MAX_BODY_CHARS = 100000;

function addressListOf(people) {
  return (people || []).map((p) => p && p.address).filter(Boolean);
}

function domainOf(address) {
  const at = String(address || '').lastIndexOf('@');
  return at >= 0 ? String(address).slice(at + 1).toLowerCase() : '';
}

/** The trigger's context for `message` (mailMessages:get's data) of `row` (mailActivity). */
function contextOf(row, message, { mailbox, names = [], files = [] }) {
  const from = message.from || {};
  const to = message.to || [];
  const cc = message.cc || [];
  const text = bodyText(message);
  return {
    kind: row.kind,
    mailbox: { id: row.accountId, email: mailbox ? mailbox.email : null },
    message: {
      id: message.id,
      threadId: message.threadId,
      messageId: message.messageId || null,
      subject: message.subject || '',
      from: { name: from.name || null, address: from.address || null },
      fromAddress: from.address || '',
      fromName: from.name || '',
      fromDomain: domainOf(from.address),
      to,
      toAddresses: addressListOf(to).join(', '),
      cc,
      ccAddresses: addressListOf(cc).join(', '),
      date: message.date,
      snippet: message.snippet || '',
      text: text.length > MAX_BODY_CHARS ? text.slice(0, MAX_BODY_CHARS) : text,
      hasAttachments: Boolean(message.hasAttachments),
      attachments: (message.attachments || [])
        .filter((a) => !a.inline)
        .map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size })),
      labels: names,
    },
    files,
  };
}

module.exports = { contextOf, domainOf, MAX_BODY_CHARS };
