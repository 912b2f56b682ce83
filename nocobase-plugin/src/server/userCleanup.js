// A deleted NocoBase user's mailboxes are disconnected in the sidecar (grants revoked,
// tokens and mail removed): at once when the user is destroyed, and by a reconciliation
// at start and every hour, for deletions made while the plugin or the sidecar was down.
// The plugin speaks to the sidecar as the root user (sidecar.js).

const HOUR_MS = 60 * 60 * 1000;

class UserCleanup {
  constructor(plugin) {
    this.plugin = plugin;
    this.timer = null;
  }

  get app() {
    return this.plugin.app;
  }

  /** Calls the sidecar as the root user, acting as root. */
  async call(action, { query = '', values } = {}) {
    const sidecar = this.plugin.sidecar;
    return sidecar.call(action, { as: { userId: await sidecar.rootId(), roleName: 'root' }, query, values });
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
