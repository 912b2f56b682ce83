// Starts "Email received" / "Email sent" workflows from the sidecar's mail activity feed.
//
// Each enabled workflow is a reader of the feed (`workflow:<key>`), acting as the
// workflow's owner (the user who created it), so it sees only mailboxes that user may
// see. Every few seconds each reader lists what came after its position, triggers its
// workflow for the messages that meet its conditions, and acknowledges the page once the
// executions exist. Exactly once per message and workflow: a row's event key
// (`email-manager:<workflow key>:<row id>`) is unique among NocoBase's executions, so a
// page listed again (after a crash before the acknowledgement, or by a second NocoBase
// replica) starts nothing twice; the feed itself has one row per message, however it
// reached the sidecar.

const { SidecarError } = require('../sidecar');
const { matches } = require('./conditions');
const { contextOf } = require('./context');
const { filesOf } = require('./files');

const POLL_MS = 3000;
const PAGE_SIZE = 50;
// How long a page waits for NocoBase to create the executions it triggered before it is
// left unacknowledged (the next round lists it again and starts only what is missing).
const CONFIRM_MS = 60000;

function readerOf(workflow) {
  return `workflow:${workflow.get('key')}`;
}

function eventKeyOf(workflow, row) {
  return `email-manager:${workflow.get('key')}:${row.id}`;
}

class ActivityPoller {
  constructor(plugin, workflowPlugin) {
    this.plugin = plugin;
    this.workflowPlugin = workflowPlugin;
    this.workflows = new Map();
    this.timer = null;
    this.running = false;
    this.warned = new Map();
  }

  get app() {
    return this.plugin.app;
  }

  get sidecar() {
    return this.plugin.sidecar;
  }

  /** The user a workflow acts as: its creator. */
  ownerOf(workflow) {
    const id = workflow.get('createdById');
    return id ? { userId: id } : null;
  }

  add(workflow) {
    this.workflows.set(String(workflow.get('id')), workflow);
    this.subscribe(workflow).catch((error) => this.warn(workflow, 'could not subscribe to mail activity', error));
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), POLL_MS);
      this.timer.unref();
    }
  }

  remove(workflow) {
    this.workflows.delete(String(workflow.get('id')));
    if (!this.workflows.size && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.workflows.clear();
  }

  /** Starts the workflow's reader at the feed's end (one already there keeps its place). */
  async subscribe(workflow) {
    const owner = this.ownerOf(workflow);
    if (!owner) return;
    await this.sidecar.call('mailActivity:subscribe', { as: owner, values: { reader: readerOf(workflow) } });
  }

  /** Logs a workflow's trouble once a minute at most (a sidecar that is down is not news every 3 s). */
  warn(workflow, what, error) {
    const key = `${workflow.get('id')}:${what}`;
    const last = this.warned.get(key) || 0;
    if (Date.now() - last < 60000) return;
    this.warned.set(key, Date.now());
    this.app.logger.warn(`email manager: workflow ${workflow.get('id')}: ${what}`, { cause: error && error.message });
  }

  async tick() {
    if (this.running) return;
    this.running = true;
    try {
      for (const workflow of [...this.workflows.values()]) {
        try {
          // A whole page at a time; a full page goes on at once.
          while (await this.poll(workflow)) { /* more */ }
        } catch (error) {
          this.warn(workflow, 'reading mail activity failed', error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The feed's query for `workflow`'s configuration. */
  queryOf(workflow) {
    const config = workflow.get('config') || {};
    const kind = workflow.get('type') === this.plugin.workflowTypes.sent ? 'sent' : 'received';
    const params = new URLSearchParams({ reader: readerOf(workflow), kind, pageSize: String(PAGE_SIZE) });
    if (!config.includeImport) params.set('firstImport', 'false');
    for (const id of config.accountIds || []) params.append('accountId', String(id));
    return params.toString();
  }

  /** One page for one workflow; true when there is more to read now. */
  async poll(workflow) {
    const owner = this.ownerOf(workflow);
    if (!owner) {
      this.warn(workflow, 'has no creator to act as; it cannot read mail', null);
      return false;
    }
    let page;
    try {
      page = await this.sidecar.call('mailActivity:list', { as: owner, query: this.queryOf(workflow) });
    } catch (error) {
      if (error instanceof SidecarError && error.code === 'READER_NOT_SUBSCRIBED') {
        await this.subscribe(workflow);
        return false;
      }
      throw error;
    }
    const started = [];
    const names = new Map();
    for (const row of page.data) {
      if (!this.workflows.has(String(workflow.get('id')))) return false;
      if (!row.messageId) continue;
      const eventKey = eventKeyOf(workflow, row);
      if (await this.executed(eventKey)) continue;
      const found = await this.sidecar.call('mailMessages:get', { as: owner, query: `filterByTk=${row.messageId}` });
      const message = found && found.data;
      if (!message) continue;
      const config = workflow.get('config') || {};
      const labels = config.label ? await this.namesOf(owner, message, names) : [];
      if (!matches(config, message, labels)) continue;
      const files = config.attachmentsAsFiles && message.hasAttachments ? await this.filesFor(workflow, owner, message) : [];
      const mailbox = await this.mailboxOf(owner, row.accountId, names);
      this.workflowPlugin.trigger(workflow, contextOf(row, message, { mailbox, names: labels, files }), { eventKey });
      started.push(eventKey);
    }
    if (!(await this.confirmed(started))) {
      this.warn(workflow, 'NocoBase did not create the executions in time; the mail is tried again', null);
      return false;
    }
    await this.sidecar.call('mailActivity:ack', { as: owner, values: { reader: readerOf(workflow), position: page.meta.position } });
    return Boolean(page.meta.hasMore);
  }

  /** The message's attachments as files; a file that fails is logged, and the workflow
   * starts with those that could be stored (rather than never). */
  async filesFor(workflow, owner, message) {
    try {
      return await filesOf(this.plugin, owner, message);
    } catch (error) {
      this.warn(workflow, 'could not store a message\'s attachments as files', error);
      return [];
    }
  }

  async executed(eventKey) {
    return (await this.app.db.getRepository('executions').count({ filter: { eventKey } })) > 0;
  }

  /** Waits until every event key has its execution. */
  async confirmed(keys) {
    const until = Date.now() + CONFIRM_MS;
    for (;;) {
      const missing = [];
      for (const key of keys) if (!(await this.executed(key))) missing.push(key);
      if (!missing.length) return true;
      if (Date.now() > until) return false;
      keys = missing;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The names of the folders and labels `message` is in (per page, cached by mailbox). */
  async namesOf(owner, message, cache) {
    const key = `names:${message.accountId}`;
    if (!cache.has(key)) {
      const filter = encodeURIComponent(JSON.stringify({ accountId: message.accountId }));
      const [folders, labels] = await Promise.all([
        this.sidecar.call('mailFolders:list', { as: owner, query: `filter=${filter}&paginate=false` }),
        this.sidecar.call('mailLabels:list', { as: owner, query: `filter=${filter}&paginate=false` }),
      ]);
      cache.set(key, {
        folders: new Map((folders.data || []).map((f) => [f.id, f.name])),
        labels: new Map((labels.data || []).map((l) => [l.id, l.name])),
      });
    }
    const { folders, labels } = cache.get(key);
    return [
      ...(message.folderIds || []).map((id) => folders.get(id)),
      ...(message.labelIds || []).map((id) => labels.get(id)),
    ].filter(Boolean);
  }

  async mailboxOf(owner, accountId, cache) {
    const key = `mailbox:${accountId}`;
    if (!cache.has(key)) {
      const found = await this.sidecar.call('mailAccounts:get', { as: owner, query: `filterByTk=${accountId}` });
      cache.set(key, found && found.data ? { id: accountId, email: found.data.email } : null);
    }
    return cache.get(key);
  }
}

module.exports = { ActivityPoller, readerOf, eventKeyOf };
