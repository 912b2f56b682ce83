// The plugin's own calls to the sidecar (not a browser's): as a NocoBase user, with a
// five-minute token NocoBase's key signs. The token is API-key-shaped (no `temp`): the
// sidecar checks it like any other, with NocoBase's auth:check when it is configured. With
// a role name it acts with that role only; without one, with every role the user has, as
// a signed-in user does.

const TIMEOUT_MS = 60000;

class SidecarError extends Error {
  constructor(action, status, body) {
    const first = body && Array.isArray(body.errors) ? body.errors[0] : null;
    super(`${action}: HTTP ${status}${first && first.message ? ` (${first.message})` : ''}`);
    this.status = status;
    this.code = first && first.code ? first.code : null;
  }
}

class SidecarClient {
  constructor(plugin) {
    this.plugin = plugin;
  }

  get app() {
    return this.plugin.app;
  }

  /** A short-lived token of `userId` (acting as `roleName` when given). */
  tokenFor(userId, roleName) {
    const claims = roleName ? { userId, roleName } : { userId };
    return this.app.authManager.jwt.sign(claims, { expiresIn: '5m' });
  }

  /** The root user's id (the plugin's housekeeping acts as root). */
  async rootId() {
    const root = await this.app.db.getRepository('users').findOne({ filter: { 'roles.name': 'root' }, fields: ['id'] });
    if (!root) throw new Error('no root user to act as');
    return root.get('id');
  }

  /**
   * Calls `action` as `as` ({userId, roleName?}); GET without values, POST with them.
   * Answers the parsed JSON; a non-2xx answer throws a SidecarError with the status and
   * the sidecar's error code.
   */
  async call(action, { as, query = '', values, headers = {} }) {
    const response = await this.fetch(action, { as, query, values, headers });
    const body = await response.json().catch(() => null);
    if (!response.ok) throw new SidecarError(action, response.status, body);
    return body;
  }

  /** The raw answer of `action` (downloads). */
  async fetch(action, { as, query = '', values, headers = {} }) {
    const token = await this.tokenFor(as.userId, as.roleName);
    return fetch(`${this.plugin.sidecarUrl()}/api/${action}${query ? `?${query}` : ''}`, {
      method: values === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: values === undefined ? undefined : JSON.stringify(values),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  }
}

module.exports = { SidecarClient, SidecarError };
