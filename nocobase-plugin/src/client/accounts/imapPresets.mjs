// The servers of well-known mail providers, filled in from the address a user types
// (#26). Each preset names the provider's documented IMAP and SMTP submission servers;
// an unknown domain gets the usual names as a guess, said to be one.

const SSL = 'implicit';
const STARTTLS = 'starttls';

const PRESETS = [
  {
    name: 'Fastmail',
    domains: ['fastmail.com', 'fastmail.fm', 'fastmail.net', 'fastmail.org', 'fastmail.us', 'fastmail.to', 'sent.com', 'messagingengine.com'],
    imap: { host: 'imap.fastmail.com', port: 993, tls: SSL },
    smtp: { host: 'smtp.fastmail.com', port: 465, tls: SSL },
    appPassword: true,
  },
  {
    name: 'iCloud',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    imap: { host: 'imap.mail.me.com', port: 993, tls: SSL },
    smtp: { host: 'smtp.mail.me.com', port: 587, tls: STARTTLS },
    appPassword: true,
  },
  {
    name: 'Yahoo',
    domains: ['yahoo.com', 'ymail.com', 'rocketmail.com', 'yahoo.co.uk', 'yahoo.de', 'yahoo.fr', 'yahoo.es', 'yahoo.it', 'yahoo.co.jp', 'yahoo.com.br'],
    imap: { host: 'imap.mail.yahoo.com', port: 993, tls: SSL },
    smtp: { host: 'smtp.mail.yahoo.com', port: 465, tls: SSL },
    appPassword: true,
  },
  {
    name: 'AOL',
    domains: ['aol.com', 'aim.com'],
    imap: { host: 'imap.aol.com', port: 993, tls: SSL },
    smtp: { host: 'smtp.aol.com', port: 465, tls: SSL },
    appPassword: true,
  },
  {
    name: 'Zoho Mail',
    domains: ['zoho.com', 'zohomail.com'],
    imap: { host: 'imap.zoho.com', port: 993, tls: SSL },
    smtp: { host: 'smtp.zoho.com', port: 465, tls: SSL },
    appPassword: false,
  },
  {
    name: 'Zoho Mail (EU)',
    domains: ['zoho.eu', 'zohomail.eu'],
    imap: { host: 'imap.zoho.eu', port: 993, tls: SSL },
    smtp: { host: 'smtp.zoho.eu', port: 465, tls: SSL },
    appPassword: false,
  },
  {
    name: 'GMX',
    domains: ['gmx.net', 'gmx.de', 'gmx.at', 'gmx.ch'],
    imap: { host: 'imap.gmx.net', port: 993, tls: SSL },
    smtp: { host: 'mail.gmx.net', port: 587, tls: STARTTLS },
    appPassword: false,
  },
  {
    name: 'GMX',
    domains: ['gmx.com', 'gmx.us', 'gmx.co.uk', 'gmx.fr', 'gmx.es'],
    imap: { host: 'imap.gmx.com', port: 993, tls: SSL },
    smtp: { host: 'mail.gmx.com', port: 587, tls: STARTTLS },
    appPassword: false,
  },
];

/** Domains whose mail connects better by signing in (OAuth) than by IMAP. */
const OAUTH_DOMAINS = {
  'gmail.com': 'google',
  'googlemail.com': 'google',
  'outlook.com': 'microsoft',
  'hotmail.com': 'microsoft',
  'live.com': 'microsoft',
  'msn.com': 'microsoft',
};

/** The address's domain, lower-cased; '' when it is not an address yet. */
export function domainOf(address) {
  const text = String(address || '').trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at < 1 || at === text.length - 1) return '';
  return text.slice(at + 1);
}

/**
 * What to fill in for `address`: `{name, imap, smtp, appPassword, guess}` from a known
 * provider, a guess (`imap.<domain>`, `smtp.<domain>`) otherwise, `{oauth}` when the
 * mailbox should be connected by signing in instead, or null without a domain.
 */
export function presetFor(address) {
  const domain = domainOf(address);
  if (!domain) return null;
  if (OAUTH_DOMAINS[domain]) return { oauth: OAUTH_DOMAINS[domain] };
  const known = PRESETS.find((preset) => preset.domains.includes(domain));
  if (known) {
    return { name: known.name, imap: { ...known.imap }, smtp: { ...known.smtp }, appPassword: known.appPassword, guess: false };
  }
  return {
    name: null,
    imap: { host: `imap.${domain}`, port: 993, tls: SSL },
    smtp: { host: `smtp.${domain}`, port: 587, tls: STARTTLS },
    appPassword: false,
    guess: true,
  };
}

/** The port a TLS mode usually takes, for when the user switches it. */
export function defaultPort(protocol, tls) {
  if (protocol === 'imap') return tls === SSL ? 993 : 143;
  return tls === SSL ? 465 : 587;
}

/** The form's fields as `mailAccounts:test` / `connect` values. */
export function connectValues(form) {
  const server = (prefix) => ({
    host: String(form[`${prefix}Host`] || '').trim(),
    port: Number(form[`${prefix}Port`]) || defaultPort(prefix, form[`${prefix}Tls`]),
    tls: form[`${prefix}Tls`] || (prefix === 'imap' ? SSL : STARTTLS),
  });
  const values = {
    provider: 'imap',
    email: String(form.email || '').trim(),
    imap: server('imap'),
    smtp: server('smtp'),
    password: form.password || '',
  };
  const username = String(form.username || '').trim();
  if (username) values.username = username;
  return values;
}
