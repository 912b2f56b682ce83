// The triggers "Email received" and "Email sent" and the node "Send email" as NocoBase's
// workflow editor shows them: their configuration forms (Formily schemas, the editor's
// own format) and the variables they offer to later nodes. The server part (the plugin's
// server/workflow) does the work; the type names are shared with it.
import { tval, useT } from '../locale';
import { EmailManagerMailboxSelect, EmailManagerTemplateSelect } from './MailboxSelect';
import { sendResultVariables, triggerVariables } from './variables';

export const TYPES = Object.freeze({ received: 'emailManagerReceived', sent: 'emailManagerSent', send: 'emailManagerSend' });

const item = (title, component, extra = {}) => ({ type: 'string', title: tval(title), 'x-decorator': 'FormItem', 'x-component': component, ...extra });

function triggerFieldset(kind) {
  return {
    accountIds: item('Mailboxes', 'EmailManagerMailboxSelect', {
      type: 'array',
      'x-component-props': { multiple: true },
      description: tval('None chosen: every mailbox the workflow\'s creator may see.'),
    }),
    from: item(kind === 'sent' ? 'Sent by (addresses or domains)' : 'From (addresses or domains)', 'Input.TextArea', {
      'x-component-props': { autoSize: { minRows: 1, maxRows: 4 }, placeholder: 'ann@example.com, example.com' },
      description: tval('Separated by commas or new lines; a domain covers its subdomains. Empty: anyone.'),
    }),
    subjectContains: item('Subject contains', 'Input'),
    bodyContains: item('Body contains', 'Input'),
    label: item('In folder or label', 'Input', { description: tval('Its name, such as Inbox or Customers.') }),
    hasAttachments: item('Attachments', 'Select', {
      type: 'boolean',
      enum: [
        { label: tval('With or without'), value: null },
        { label: tval('With attachments'), value: true },
        { label: tval('Without attachments'), value: false },
      ],
      default: null,
    }),
    includeImport: item('Mail already there', 'Checkbox', {
      type: 'boolean',
      'x-content': tval('Also start for mail stored when a mailbox is first imported or fully resynced'),
    }),
    attachmentsAsFiles: item('Attachments as files', 'Checkbox', {
      type: 'boolean',
      'x-content': tval('Store the attachments as files for later nodes (files of up to 25 MB a message)'),
    }),
  };
}

function mailTrigger(kind) {
  return {
    title: kind === 'sent' ? tval('Email sent') : tval('Email received'),
    description: kind === 'sent'
      ? tval('Starts when a connected mailbox sends an email that meets the conditions.')
      : tval('Starts when a connected mailbox receives an email that meets the conditions.'),
    fieldset: triggerFieldset(kind),
    components: { EmailManagerMailboxSelect },
    validate() {
      return true;
    },
    useVariables(config, options) {
      const t = useT();
      return triggerVariables(t, options);
    },
  };
}

/** Text inputs that take workflow variables: the editor's own, when its module is at hand. */
function variableInputs(workflowModule) {
  const line = workflowModule && workflowModule.WorkflowVariableInput;
  const area = workflowModule && (workflowModule.WorkflowVariableRawTextArea || workflowModule.WorkflowVariableTextArea);
  return {
    components: {
      ...(line ? { EmailManagerVariableInput: line } : {}),
      ...(area ? { EmailManagerVariableTextArea: area } : {}),
    },
    line: line ? 'EmailManagerVariableInput' : 'Input',
    area: area ? 'EmailManagerVariableTextArea' : 'Input.TextArea',
  };
}

function sendNode(workflowModule) {
  const inputs = variableInputs(workflowModule);
  const hint = tval('Workflow variables in it are filled when the node runs.');
  return {
    title: tval('Send email'),
    type: TYPES.send,
    group: 'extended',
    description: tval('Sends an email from a connected mailbox, once, however often the workflow is retried.'),
    fieldset: {
      accountId: item('Mailbox', 'EmailManagerMailboxSelect', {
        type: 'number',
        required: true,
        'x-component-props': { allUsers: true },
        description: tval('Yours; an administrator may pick another user\'s, and the email is sent as its owner.'),
      }),
      from: item('From address', 'Input', { description: tval('One of the mailbox\'s send-as addresses; empty: its own.') }),
      to: item('To', inputs.area, { required: true, description: hint }),
      cc: item('Cc', inputs.area),
      bcc: item('Bcc', inputs.area),
      templateId: item('Template', 'EmailManagerTemplateSelect', { type: 'number' }),
      templateRecord: item('Record for the template', inputs.line, {
        description: tval('A record (a variable) whose fields fill the template\'s record variables.'),
      }),
      subject: item('Subject', inputs.line),
      format: item('Body format', 'Radio.Group', {
        enum: [
          { label: 'HTML', value: 'html' },
          { label: tval('Plain text'), value: 'text' },
        ],
        default: 'html',
      }),
      body: item('Body', inputs.area),
      attachments: item('Attachments', inputs.line, {
        description: tval('A record\'s attachment field (a variable).'),
      }),
      ignoreFail: item('When the send fails', 'Checkbox', {
        type: 'boolean',
        'x-content': tval('Go on with the workflow (the result says failed)'),
      }),
    },
    components: { EmailManagerMailboxSelect, EmailManagerTemplateSelect, ...inputs.components },
    useVariables({ key, title }, options) {
      const t = useT();
      const names = (options && options.fieldNames) || {};
      return {
        [names.value || 'value']: key,
        [names.label || 'label']: title,
        [names.children || 'children']: sendResultVariables(t, options),
      };
    },
    isAvailable() {
      return true;
    },
  };
}

/** Registers the triggers and the node with NocoBase's workflow plugin, when it is enabled. */
export function registerWorkflow(app) {
  const workflow = app.pm.get('workflow');
  if (!workflow || typeof workflow.registerTrigger !== 'function') return false;
  let workflowModule = null;
  try {
    // The workflow plugin's own client module (requirejs has it once the plugin loaded):
    // its inputs offer the variable picker. Without it, plain inputs take {{…}} as typed.
    const requirejs = app.requirejs && app.requirejs.requirejs;
    if (requirejs && requirejs.defined && requirejs.defined('@nocobase/plugin-workflow')) {
      workflowModule = requirejs('@nocobase/plugin-workflow');
    }
  } catch {
    workflowModule = null;
  }
  workflow.registerTrigger(TYPES.received, asClass(baseOf(workflow.triggers, 'collection'), mailTrigger('received')));
  workflow.registerTrigger(TYPES.sent, asClass(baseOf(workflow.triggers, 'collection'), mailTrigger('sent')));
  workflow.registerInstruction(TYPES.send, asClass(baseOf(workflow.instructions, 'end'), sendNode(workflowModule)));
  return true;
}

/** The base class of a built-in trigger or node (the editor's Trigger, Instruction): ours
 * extend it for its defaults, without a module dependency on the workflow plugin. */
function baseOf(registry, builtIn) {
  const instance = registry && typeof registry.get === 'function' ? registry.get(builtIn) : null;
  const parent = instance ? Object.getPrototypeOf(instance.constructor) : null;
  return typeof parent === 'function' && parent !== Function.prototype ? parent : Object;
}

/** A class of `Base` whose instances carry `definition` (the editor registers classes). */
function asClass(Base, definition) {
  return class extends Base {
    constructor(...args) {
      super(...args);
      Object.assign(this, definition);
    }
  };
}
