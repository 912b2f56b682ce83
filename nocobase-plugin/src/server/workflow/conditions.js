// Which mail starts an "Email received" / "Email sent" workflow: the conditions its trigger
// is configured with, checked against a message as the sidecar shows it to the workflow's
// owner. Every condition given must hold; none given, every message does.
//
//   from            addresses and domains, separated by commas, spaces or new lines:
//                   ann@example.com, @example.com, example.com (a domain covers its
//                   subdomains: example.com matches ann@eu.example.com)
//   subjectContains text the subject contains (any case)
//   bodyContains    text the body contains (any case; the text part, else the HTML's text)
//   label           a folder or label name the message is in (any case)
//   hasAttachments  true: only mail with files; false: only mail without; absent: either

/** The entries of a `from` condition, lower-cased: addresses, and domains as `@domain`. */
function fromEntries(text) {
  return String(text || '')
    .split(/[\s,;]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .map((entry) => (entry.includes('@') && !entry.startsWith('@') ? entry : `@${entry.replace(/^@/, '')}`));
}

/** Does `address` match an entry (an address exactly, a domain with its subdomains)? */
function addressMatches(address, entries) {
  const lower = String(address || '').trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 1) return false;
  const domain = lower.slice(at + 1);
  return entries.some((entry) => {
    if (!entry.startsWith('@')) return entry === lower;
    const wanted = entry.slice(1);
    return domain === wanted || domain.endsWith(`.${wanted}`);
  });
}

/** The text of an HTML body, near enough to search in. */
function htmlText(html) {
  return String(html || '')
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The body's text: the text part, else the HTML's. */
function bodyText(message) {
  return message.bodyText || htmlText(message.bodyHtml);
}

function contains(haystack, needle) {
  return String(haystack || '').toLowerCase().includes(String(needle).trim().toLowerCase());
}

function given(value) {
  return value !== undefined && value !== null && String(value).trim() !== '';
}

/**
 * Whether `message` (mailMessages:get's data) meets `config`; `names` are the names of the
 * folders and labels it is in.
 */
function matches(config, message, names = []) {
  const c = config || {};
  if (given(c.from)) {
    const entries = fromEntries(c.from);
    const sender = message.from && message.from.address;
    if (entries.length && !addressMatches(sender, entries)) return false;
  }
  if (given(c.subjectContains) && !contains(message.subject, c.subjectContains)) return false;
  if (given(c.bodyContains) && !contains(bodyText(message), c.bodyContains)) return false;
  if (given(c.label)) {
    const wanted = String(c.label).trim().toLowerCase();
    if (!names.some((name) => String(name).toLowerCase() === wanted)) return false;
  }
  if (c.hasAttachments === true && !message.hasAttachments) return false;
  if (c.hasAttachments === false && message.hasAttachments) return false;
  return true;
}

module.exports = { matches, fromEntries, addressMatches, htmlText, bodyText };
