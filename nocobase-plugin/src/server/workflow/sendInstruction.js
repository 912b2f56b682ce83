// The workflow node "Send email": sends through a connected mailbox, as the sidecar's
// mailMessages:send does, exactly once however often NocoBase retries or restarts.
//
// The node's job is saved pending first, holding the send as its variables made it; the
// send then goes with the job's id as its Idempotency-Key, and the job is resolved with
// the outcome and resumed. A NocoBase stopped in between finds its pending sends at the
// next start and asks again with the same key: the sidecar answers the first outcome
// instead of sending twice. The node's result is {status: sent | scheduled | failed |
// unknown, messageId, threadId, outboxId, error}; failed fails the job unless the node
// says to go on.
//
// Who sends: the user who configured the node, from their own mailbox; an administrator
// may pick another user's mailbox, and the node then sends as its owner (see nodeOwner.js,
// which decides this when the node is saved).

const { SidecarError } = require('../sidecar');
const { sendValues, attachedFiles, readAttachments } = require('./sendValues');

const JOB = { PENDING: 0, RESOLVED: 1, FAILED: -1, ERROR: -2 };
// A send the sidecar could not be reached for is asked again this often, this many times.
const RETRY_MS = 30000;
const ATTEMPTS = 20;
// How long a pending job may take to be saved by the processor before the send goes.
const SAVED_WITHIN_MS = 60000;

function idempotencyKey(jobId) {
  return `nocobase-workflow-job-${jobId}`;
}

class SendEmailInstruction {
  constructor(plugin, workflowPlugin) {
    this.plugin = plugin;
    this.workflowPlugin = workflowPlugin;
    this.retries = new Map();
  }

  get app() {
    return this.plugin.app;
  }

  async run(node, prevJob, processor) {
    const config = node.config || {};
    const parsed = processor.getParsedValue(config, node.id);
    let request;
    try {
      request = await this.requestOf(config, parsed);
    } catch (error) {
      return { status: JOB.FAILED, result: { status: 'failed', error: error.message } };
    }
    const job = processor.saveJob({
      status: JOB.PENDING,
      result: { request },
      nodeId: node.id,
      nodeKey: node.key,
      upstreamId: (prevJob && prevJob.id) || null,
    });
    this.deliverLater(job.id, 0);
    return job;
  }

  /** The pending job was resolved by `deliver`: its status and result stand. */
  async resume(node, job) {
    return job;
  }

  /** What to send: the node's values with its variables filled, as the sidecar takes them. */
  async requestOf(config, parsed) {
    if (!config.actAs || !config.accountId) throw new Error('The node has no mailbox to send from; pick one and save the node.');
    let rendered = null;
    if (config.templateId) {
      const record = parsed.templateRecord && typeof parsed.templateRecord === 'object' ? parsed.templateRecord : undefined;
      const answer = await this.plugin.sidecar.call('mailTemplates:render', {
        as: { userId: config.actAs },
        values: { templateId: config.templateId, ...(record ? { variables: { $nRecord: record } } : {}) },
      });
      rendered = answer.data;
      if (rendered.missing && rendered.missing.length) {
        throw new Error(`The template's variables ${rendered.missing.join(', ')} have no values.`);
      }
    }
    return { actAs: config.actAs, values: sendValues(config, parsed, rendered), files: attachedFiles(parsed) };
  }

  deliverLater(jobId, attempt) {
    const timer = setTimeout(() => {
      this.retries.delete(String(jobId));
      this.deliver(jobId, attempt).catch((error) => {
        this.app.logger.warn('email manager: a workflow send failed unexpectedly', { jobId, cause: error && error.message });
      });
    }, attempt ? RETRY_MS : 50);
    timer.unref();
    this.retries.set(String(jobId), timer);
  }

  async savedJob(jobId) {
    const until = Date.now() + SAVED_WITHIN_MS;
    for (;;) {
      const job = await this.app.db.getRepository('jobs').findOne({ filterByTk: jobId });
      if (job || Date.now() > until) return job;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Sends a pending job's message (again, with the same key) and resumes its execution. */
  async deliver(jobId, attempt = 0) {
    const job = await this.savedJob(jobId);
    if (!job || job.get('status') !== JOB.PENDING) return;
    const request = (job.get('result') || {}).request;
    if (!request) return;
    let outcome;
    try {
      const attachments = await readAttachments(this.plugin, request.files);
      const answer = await this.plugin.sidecar.call('mailMessages:send', {
        as: { userId: request.actAs },
        values: attachments.length ? { ...request.values, attachments } : request.values,
        headers: { 'idempotency-key': idempotencyKey(jobId) },
      });
      outcome = answer.data || {};
    } catch (error) {
      const refused = error instanceof SidecarError && error.status >= 400 && error.status < 500 && error.status !== 429;
      if (!refused && attempt + 1 < ATTEMPTS) {
        this.deliverLater(jobId, attempt + 1);
        return;
      }
      outcome = { status: 'failed', error: { code: error.code || 'SEND_FAILED', message: error.message } };
    }
    const failed = outcome.status === 'failed';
    const node = await this.app.db.getRepository('flow_nodes').findOne({ filterByTk: job.get('nodeId') });
    const goOn = Boolean(node && (node.get('config') || {}).ignoreFail);
    const values = {
      status: failed && !goOn ? JOB.FAILED : JOB.RESOLVED,
      result: {
        status: outcome.status,
        messageId: outcome.providerMessageId || null,
        threadId: outcome.threadId || null,
        outboxId: outcome.id || null,
        error: outcome.error || null,
      },
    };
    // Only the one that moves the job on from pending resumes its execution: two NocoBase
    // processes recovering the same job send once (the key) and continue once (this).
    const Job = this.app.db.getModel('jobs');
    const [changed] = await Job.update(values, { where: { id: jobId, status: JOB.PENDING } });
    if (!changed) return;
    await this.workflowPlugin.resume(await this.app.db.getRepository('jobs').findOne({ filterByTk: jobId }));
  }

  /** Sends the pending jobs of this node type that a stopped NocoBase left (at start). */
  async recover(type) {
    const nodes = await this.app.db.getRepository('flow_nodes').find({ filter: { type }, fields: ['id'] });
    if (!nodes.length) return;
    const jobs = await this.app.db.getRepository('jobs').find({
      filter: { status: JOB.PENDING, nodeId: { $in: nodes.map((n) => n.get('id')) } },
      fields: ['id'],
    });
    for (const job of jobs) {
      if (!this.retries.has(String(job.get('id')))) this.deliverLater(job.get('id'), 0);
    }
  }

  stop() {
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }
}

module.exports = { SendEmailInstruction, idempotencyKey, JOB };
