// The plan behind "Create record from this mail" and the records a message's addresses
// match: which fields of a collection can take which part of a mail, a first guess the
// user can change, the values sent to NocoBase, and which collections hold addresses.

/** The parts of a mail that can fill a record's field. */
export const MAIL_PARTS = ['subject', 'fromAddress', 'fromName', 'date', 'text'];

const TEXT = ['input', 'email', 'textarea', 'markdown', 'richText', 'url', 'vditor'];
const DATES = ['datetime', 'datetimeNoTz', 'date', 'dateOnly', 'unixTimestamp'];
const LONG_TEXT = ['textarea', 'markdown', 'richText', 'vditor'];
// Fields NocoBase fills itself.
const SYSTEM = new Set(['id', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy', 'createdById', 'updatedById', 'sort']);

const interfaceOf = (field) => field.interface || (field.options && field.options.interface) || null;

/** The fields of `collection` a mail part can fill: text and date fields the user types. */
export function writableFields(collection) {
  return (collection.fields || []).filter((f) => {
    const kind = interfaceOf(f);
    return !SYSTEM.has(f.name) && !f.primaryKey && !f.autoIncrement && (TEXT.includes(kind) || DATES.includes(kind));
  });
}

function firstOf(fields, test, taken) {
  const found = fields.find((f) => !taken.has(f.name) && test(f));
  if (found) taken.add(found.name);
  return found ? found.name : undefined;
}

const named = (...names) => (f) => names.includes(String(f.name).toLowerCase());

/** A first choice of field for each part (by the fields' kinds and names); absent: none fits. */
export function guessTargets(collection) {
  const fields = writableFields(collection);
  const taken = new Set();
  const isText = (f) => TEXT.includes(interfaceOf(f)) && interfaceOf(f) !== 'email';
  const targets = {
    fromAddress: firstOf(fields, (f) => interfaceOf(f) === 'email', taken),
    subject: firstOf(fields, (f) => isText(f) && named('subject', 'title', 'summary', 'topic')(f), taken),
    // A person's or a company's record is named after the sender.
    fromName: firstOf(fields, (f) => isText(f) && named('name', 'fullname', 'sender', 'fromname', 'contact', 'contactname')(f), taken),
    date: firstOf(fields, (f) => DATES.includes(interfaceOf(f)) && named('date', 'receivedat', 'received', 'sentat', 'when')(f), taken),
    text: firstOf(fields, (f) => LONG_TEXT.includes(interfaceOf(f)), taken),
  };
  return Object.fromEntries(Object.entries(targets).filter(([, field]) => field));
}

/** The record's values: each chosen field filled from its part of `mail` (mailMessages:get). */
export function mailValues(mail, targets) {
  const from = mail.from || {};
  const parts = {
    subject: mail.subject || '',
    fromAddress: from.address || '',
    fromName: from.name || from.address || '',
    date: mail.date || null,
    text: mail.bodyText || mail.snippet || '',
  };
  const values = {};
  for (const part of MAIL_PARTS) {
    const field = targets && targets[part];
    if (field) values[field] = parts[part];
  }
  return values;
}

/** The collections with an email field, and that field: where a message's addresses match records. */
export function matchableCollections(collections, limit = 20) {
  const found = [];
  for (const collection of collections || []) {
    if (collection.hidden) continue;
    for (const field of collection.fields || []) {
      if (interfaceOf(field) === 'email') found.push({ collection, field: field.name });
    }
  }
  return found.slice(0, limit);
}

/** What a record is called: its collection's title field, else a name or title, else its id. */
export function recordTitle(collection, record) {
  const key = collection.filterTargetKey || 'id';
  for (const name of [collection.titleField, 'name', 'title', 'nickname', 'email']) {
    if (name && record[name] !== undefined && record[name] !== null && record[name] !== '' && name !== key) return String(record[name]);
  }
  return `#${record[key]}`;
}

/**
 * A title as NocoBase stores it, shown: plain text, or its `{{t("…")}}` form translated
 * with `t` (NocoBase's own collections are titled so).
 */
export function shownTitle(t, title, fallback) {
  const text = title || fallback || '';
  const formula = /^\{\{\s*t\(\s*(["'])(.+?)\1[\s\S]*\)\s*\}\}$/.exec(text);
  return t(formula ? formula[2] : text);
}

// NocoBase's own collections the collection list shows, that nobody makes from a mail.
const ACCOUNTS = ['roles', 'users'];

/** Collections a person makes records of from a mail: not hidden, not users or roles. */
export function userCollections(collections) {
  return (collections || []).filter((c) => !c.hidden && !ACCOUNTS.includes(c.name));
}

