// What a record's field says about which mail belongs to it. A CRM field holds what people
// type: one address, several ("a@x.com; b@x.com"), a display form ("Ann <ann@x.com>"), a
// web site for a company ("https://www.acme.com/about"). These turn such a value into the
// addresses or domains `mailMessages:list` matches through `participants.*`.

/** Field interfaces that can hold an address, a domain or a web site. */
export const TEXT_INTERFACES = ['email', 'input', 'url', 'textarea', 'phone', 'select', 'json', 'markdown'];

const ADDRESS = /[^\s<>,;:"'()[\]]+@[^\s<>,;:"'()[\]]+\.[^\s<>,;:"'()[\]]+/g;
const MAX_VALUES = 50;

/** Every e-mail address in `value` (a string, or an array of strings), lower-cased, once. */
export function addressesIn(value) {
  const found = new Set();
  for (const text of flatten(value)) {
    for (const match of text.matchAll(ADDRESS)) found.add(match[0].replace(/\.+$/, '').toLowerCase());
  }
  return [...found].slice(0, MAX_VALUES);
}

/** The domain each value names: an address's domain, a URL's host, or a bare domain;
 * without a leading "www.". */
export function domainsIn(value) {
  const found = new Set();
  for (const text of flatten(value)) {
    for (const part of text.split(/[\s,;]+/)) {
      const domain = domainOf(part);
      if (domain) found.add(domain);
    }
  }
  return [...found].slice(0, MAX_VALUES);
}

function domainOf(part) {
  let text = part.trim().toLowerCase();
  if (!text) return null;
  const at = text.lastIndexOf('@');
  if (at >= 0) text = text.slice(at + 1);
  text = text.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#:].*$/, '').replace(/^www\./, '').replace(/[>.]+$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(text) ? text : null;
}

function flatten(value) {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (typeof value === 'object') return [];
  return [String(value)];
}

/** The `mailMessages:list` filter for a record, or null when the record gives nothing to
 * match (an empty field must not list every message). */
export function recordFilter(matchBy, value) {
  if (matchBy === 'domain') {
    const domains = domainsIn(value);
    return domains.length ? { 'participants.domain': { $in: domains } } : null;
  }
  const addresses = addressesIn(value);
  return addresses.length ? { 'participants.address': { $in: addresses } } : null;
}
