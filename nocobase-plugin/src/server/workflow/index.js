// Mail in NocoBase's workflows (#25), when NocoBase's workflow plugin is enabled: the
// triggers "Email received" and "Email sent" and the node "Send email". The type names
// are the ones saved in workflows and nodes: never rename them.

const { ActivityPoller, readerOf } = require('./activityPoller');
const { MailTrigger } = require('./mailTrigger');
const { SendEmailInstruction } = require('./sendInstruction');
const { decideSender } = require('./nodeOwner');

const TYPES = Object.freeze({ received: 'emailManagerReceived', sent: 'emailManagerSent', send: 'emailManagerSend' });

function registerWorkflow(plugin) {
  const app = plugin.app;
  const workflowPlugin = app.pm.get('workflow');
  if (!workflowPlugin || typeof workflowPlugin.registerTrigger !== 'function') return null;
  plugin.workflowTypes = TYPES;
  const poller = new ActivityPoller(plugin, workflowPlugin);
  workflowPlugin.registerTrigger(TYPES.received, new MailTrigger(workflowPlugin, poller));
  workflowPlugin.registerTrigger(TYPES.sent, new MailTrigger(workflowPlugin, poller));
  const send = new SendEmailInstruction(plugin, workflowPlugin);
  workflowPlugin.registerInstruction(TYPES.send, send);
  app.db.on('flow_nodes.beforeSave', async (node, options) => {
    if (node.get('type') !== TYPES.send) return;
    const state = options && options.context && options.context.state;
    await decideSender(plugin, node, state && state.currentUser);
  });
  // A mail workflow deleted with all its versions: its reader of the feed goes too.
  app.db.on('workflows.afterDestroy', async (workflow, options) => {
    if (![TYPES.received, TYPES.sent].includes(workflow.get('type'))) return;
    const versions = await app.db.getRepository('workflows').count({ filter: { key: workflow.get('key') }, transaction: options && options.transaction });
    const owner = poller.ownerOf(workflow);
    if (versions || !owner) return;
    plugin.sidecar.call('mailActivity:unsubscribe', { as: owner, values: { reader: readerOf(workflow) } })
      .catch((error) => app.logger.warn('email manager: a deleted workflow\'s mail reader stays (harmless)', { cause: error && error.message }));
  });
  app.on('afterStart', () => {
    send.recover(TYPES.send).catch((error) => app.logger.warn('email manager: could not look for workflow sends left pending', { cause: error && error.message }));
  });
  app.on('beforeStop', () => {
    poller.stop();
    send.stop();
  });
  return { poller, send };
}

module.exports = { registerWorkflow, TYPES };
