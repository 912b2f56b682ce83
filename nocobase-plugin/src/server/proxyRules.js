// What NocoBase's proxy forwards to the sidecar, and what it hands back: pure functions,
// tested without a NocoBase (test/proxyRules.test.mjs).

// Only `/api/mail<Resource>:<action>`: a path that is anything else (a `/`, `..`, `%2F`)
// could reach another of the sidecar's routes once the URL is normalized.
const ACTION = /^mail[A-Za-z]+:[A-Za-z]+$/;

// Authenticated by their own means (the OAuth `state` and the browser's binding cookie,
// the providers' push tokens), never by a NocoBase token: forwarded as they come.
const PUBLIC_ACTIONS = new Set(['mailOAuth:callback', 'mailWebhooks:microsoft', 'mailWebhooks:google']);

// Connection-level headers (RFC 9110 7.6.1) are never forwarded, nor those the request's
// own `Connection` header names; `host` and `content-length` are the new request's own.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'trailers', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'http2-settings',
]);

// The connect's browser-binding cookie: set by `mailAccounts:authorize`, read (and
// cleared) by the callback. NocoBase's own cookies never leave NocoBase.
const BINDING_COOKIE = /^em_connect_[A-Za-z0-9_-]+$/;
const COOKIE_ACTIONS = new Set(['mailAccounts:authorize', 'mailOAuth:callback']);

/** The action a request path names, when it is one to forward; `null` otherwise. */
function forwardableAction(path, base) {
  if (!path.startsWith(base)) return null;
  const action = path.slice(base.length);
  return ACTION.test(action) ? action : null;
}

/** The request headers to send on: no hop-by-hop ones, cookies only the callback's own. */
function requestHeaders(incoming, action) {
  const named = String(incoming.connection || '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const headers = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name) || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (action === 'mailOAuth:callback' && incoming.cookie) {
    const binding = String(incoming.cookie)
      .split(';')
      .map((pair) => pair.trim())
      .filter((pair) => BINDING_COOKIE.test(pair.split('=')[0]));
    if (binding.length) headers.cookie = binding.join('; ');
  }
  return headers;
}

/** The `Set-Cookie` values of an answer the browser may have: binding cookies only. */
function answerCookies(action, setCookies) {
  if (!COOKIE_ACTIONS.has(action)) return [];
  return (setCookies || []).filter((cookie) => BINDING_COOKIE.test(cookie.split('=')[0].trim()));
}

module.exports = { PUBLIC_ACTIONS, forwardableAction, requestHeaders, answerCookies };
