// What the compose form sends, as plain functions of its state (tested without a browser).
// A send, a draft's first save and its later saves carry the same fields: the part the
// user wrote (`html`), the signature by id and the answered message by reference — the
// server puts the signature and the quote in, so the editor never holds (and flattens)
// either.
import { escapeHtml } from '../html.mjs';

/** The key of one send-as address of one mailbox, as the From selector's value. */
export function identityKey(accountId, address) {
  return `${accountId} ${String(address).toLowerCase()}`;
}

/** Every address every mailbox may send as: the From selector's options. */
export function identityOptions(accounts) {
  const options = [];
  for (const account of accounts || []) {
    const listed = Array.isArray(account.identities) && account.identities.length
      ? account.identities
      : [{ address: account.email, name: account.displayName || null, isDefault: true, signatureId: null }];
    for (const identity of listed) {
      options.push({
        value: identityKey(account.id, identity.address),
        label: identity.name ? `${identity.name} <${identity.address}>` : identity.address,
        accountId: account.id,
        address: identity.address,
        signatureId: identity.signatureId === undefined ? null : identity.signatureId,
      });
    }
  }
  return options;
}

/** The option for `address` of `accountId`, else that mailbox's default, else the first. */
export function pickIdentity(options, accountId, address) {
  const mailbox = options.filter((o) => o.accountId === accountId);
  return (address && mailbox.find((o) => o.value === identityKey(accountId, address)))
    || mailbox[0] || options[0] || null;
}

/** An editor that holds nothing a reader would see. */
export function isBlank(html) {
  if (!html) return true;
  if (/<img\b/i.test(html)) return false;
  return html.replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' ').trim() === '';
}

/**
 * The request values for `state`: {identity, to[], cc[], bcc[], subject, html,
 * signatureId, reference: {messageId, action} | null, recipientsShown}. `recipientsShown`:
 * the form showed an answer's recipients, so they are sent exactly as kept.
 */
export function messageValues(state) {
  const values = {
    accountId: state.identity.accountId,
    from: state.identity.address,
    to: state.to || [],
    cc: state.cc || [],
    bcc: state.bcc || [],
    subject: state.subject || '',
    html: state.html || '',
  };
  if (state.signatureId) values.signatureId = state.signatureId;
  if (state.reference) {
    values.reference = { messageId: state.reference.messageId, action: state.reference.action };
    if (state.recipientsShown) values.reference.fillRecipients = false;
  }
  return values;
}

/** A draft's save: the message values, the version last read, the files it keeps. */
export function draftValues(state, draft, keptFileIds) {
  const values = messageValues(state);
  delete values.accountId; // the draft's id names its mailbox
  values.version = draft.version;
  values.keepAttachments = keptFileIds;
  return values;
}

/** The values as multipart/form-data, files as parts (what `mailMessages:send` takes). */
export function toFormData(values, files, FormDataClass = FormData) {
  const body = new FormDataClass();
  for (const [name, value] of Object.entries(values)) {
    if (Array.isArray(value)) {
      for (const item of value) body.append(name, String(item));
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) body.append(`${name}[${key}]`, String(inner));
    } else if (value !== undefined && value !== null) {
      body.append(name, String(value));
    }
  }
  for (const file of files || []) body.append('attachments', file, file.name);
  return body;
}

/** `$recipient` for a template: the first To, as {name, address}. */
export function recipientVariable(to) {
  const first = (to || [])[0];
  if (!first) return undefined;
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(first);
  if (match) return { name: match[1] || null, address: match[2] };
  return { name: null, address: String(first).trim() };
}

const RECIPIENT_PLACEHOLDER = /\{\{\s*\$recipient\.(\w+)\s*\}\}/g;

/**
 * `{{$recipient.name}}` and `{{$recipient.address}}` still in `text` (a template picked
 * before the To was typed), filled from `who` (`recipientVariable`). HTML-escaped for
 * the body; a field `who` lacks stays as written, so `send` still refuses it.
 */
export function fillRecipient(text, who, html = false) {
  if (!text || !who) return text;
  return text.replace(RECIPIENT_PLACEHOLDER, (whole, key) => {
    const value = who[key];
    if (value === null || value === undefined || value === '') return whole;
    return html ? escapeHtml(value) : String(value);
  });
}

// Where a draft's own text ends: the marks of a signature or a quoted original, ours,
// Gmail's and Outlook's. The same lists as the server's `src/mail/markers.rs` (a test
// there holds these to them).
const SIGNATURE_CLASSES = ['email-manager-signature', 'gmail_signature'];
const QUOTE_CLASSES = ['quote', 'forwarded', 'gmail_quote', 'gmail_attr'];
const SIGNATURE_IDS = ['Signature'];
const QUOTE_IDS = ['divRplyFwdMsg', 'appendonsend'];
const KEPT_FROM = [
  ...[...SIGNATURE_CLASSES, ...QUOTE_CLASSES].map((name) => new RegExp(`<div class="${name}[\\s"]`, 'i')),
  ...[...SIGNATURE_IDS, ...QUOTE_IDS].map((id) => new RegExp(`<div id="${id}"`, 'i')),
  /<blockquote\b/i,
];

/**
 * A draft's HTML as the form edits it: `own`, what was written, goes into the editor;
 * `kept`, the signature and the quoted original, stays exactly as it is (the editor's
 * model would flatten a signature's tables and the quote's layout) and is put back
 * under what the editor holds on each save.
 */
export function splitDraftHtml(html) {
  const text = html || '';
  let at = -1;
  for (const marker of KEPT_FROM) {
    const found = text.search(marker);
    if (found >= 0 && (at < 0 || found < at)) at = found;
  }
  if (at < 0) return { own: text, kept: '' };
  // The line breaks put before the signature or the quote belong to it.
  const own = text.slice(0, at).replace(/(?:<br\s*\/?>|\s)+$/i, '');
  return { own, kept: text.slice(own.length) };
}
