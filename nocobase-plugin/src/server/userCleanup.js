// A deleted NocoBase user's mailboxes are disconnected in the sidecar (grants revoked,
// tokens and mail removed): at once when the user is destroyed, and by a reconciliation
// at start and every hour, for deletions made while the plugin or the sidecar was down.
// The plugin speaks to the sidecar as the root user, with a five-minute token NocoBase's
// own key signs (an API-key-shaped token: the sidecar checks it like any other).

const HOUR_MS = 60 * 60 * 1000;

class UserCleanup {
  constructor(plugin) {
    this.plugin = plugin;
    this.timer = null;
  }

  get app() {
    return this.plugin.app;
  }

  /** A short-lived token of the root user, acting as root. */
  async serviceToken() {
    const root = await this.app.db.getRepository('users').findOne({ filter: { 'roles.name': 'root' }, fields: ['id'] });
    if (!root) throw new Error('no root user to act as');
    return this.app.authManager.jwt.sign({ userId: root.get('id'), roleName: 'root' }, { expiresIn: '5m' });
  }

  async call(action, { query = '', values } = {}) {
    const response = await fetch(`${this.plugin.sidecarUrl()}/api/${action}${query ? `?${query}` : ''}`, {
      method: values === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${await this.serviceToken()}`, 'content-type': 'application/json' },
      body: values === undefined ? undefined : JSON.stringify(values),
      signal: AbortSignal.timeout(60000),
    });
    if (!response.ok) throw new Error(`${action}: HTTP ${response.status}`);
    return response.json();
  }

  /** Disconnects every mailbox of `userId`. */
  async forget(userId) {
    try {
      const answer = await this.call('mailAccounts:disconnectUser', { values: { userId } });
      if (answer.data) this.app.logger.info('email manager: a deleted user\'s mailboxes were disconnected', { userId, removed: answer.data });
    } catch (error) {
      this.app.logger.warn('email manager: could not disconnect a deleted user\'s mailboxes (the next reconciliation retries)', { userId, cause: error && error.message });
    }
  }

  /** Owners of mailboxes in the sidecar who are no longer NocoBase users are forgotten. */
  async reconcile() {
    try {
      const owners = new Set();
      for (let page = 1; ; page += 1) {
        const answer = await this.call('mailAccounts:list', { query: `scope=all&pageSize=200&page=${page}` });
        for (const account of answer.data) owners.add(Number(account.userId));
        if (page >= (answer.meta.totalPage || 1)) break;
      }
      if (!owners.size) return;
      const users = await this.app.db.getRepository('users').find({ filter: { id: { $in: [...owners] } }, fields: ['id'] });
      const existing = new Set(users.map((user) => Number(user.get('id'))));
      for (const owner of owners) {
        if (!existing.has(owner)) await this.forget(owner);
      }
    } catch (error) {
      this.app.logger.warn('email manager: reconciling mailbox owners with NocoBase users failed', { cause: error && error.message });
    }
  }

  start() {
    this.app.db.on('users.afterDestroy', (user) => { this.forget(Number(user.get('id'))); });
    this.app.on('afterStart', () => {
      setTimeout(() => this.reconcile(), 5000).unref();
      this.timer = setInterval(() => this.reconcile(), HOUR_MS);
      this.timer.unref();
    });
    this.app.on('beforeStop', () => clearInterval(this.timer));
  }
}

module.exports = { UserCleanup };
