// The workflow triggers "Email received" and "Email sent": an enabled workflow of either
// type is a reader of the sidecar's mail activity (activityPoller.js). Its configuration:
//
//   accountIds          mailboxes to watch (none: every mailbox its creator may see)
//   from, subjectContains, bodyContains, label, hasAttachments   conditions (conditions.js)
//   includeImport       also mail stored by a mailbox's first import or a full resync
//   attachmentsAsFiles  hand the attachments on as NocoBase files ($context.files)

const { fromEntries } = require('./conditions');

class MailTrigger {
  constructor(workflowPlugin, poller) {
    this.workflow = workflowPlugin;
    this.poller = poller;
    this.sync = false;
  }

  on(workflow) {
    this.poller.add(workflow);
  }

  off(workflow) {
    this.poller.remove(workflow);
  }

  validateEvent() {
    return true;
  }

  /** Problems with a configuration, by field; null when it is fine. */
  validateConfig(config) {
    const errors = {};
    const c = config || {};
    if (c.accountIds !== undefined && c.accountIds !== null) {
      if (!Array.isArray(c.accountIds) || !c.accountIds.every((id) => Number.isInteger(Number(id)) && Number(id) > 0)) {
        errors.accountIds = 'mailbox ids';
      }
    }
    if (c.from && fromEntries(c.from).some((entry) => !/^[^@\s]*@[^@\s]+\.[^@\s]+$/.test(entry))) {
      errors.from = 'addresses or domains, such as ann@example.com or example.com';
    }
    if (c.hasAttachments !== undefined && c.hasAttachments !== null && typeof c.hasAttachments !== 'boolean') {
      errors.hasAttachments = 'true, false or empty';
    }
    return Object.keys(errors).length ? errors : null;
  }
}

module.exports = { MailTrigger };
