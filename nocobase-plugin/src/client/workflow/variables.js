// What the mail triggers and the Send email node offer to later nodes as variables: the
// trigger's context ($context, see the server's workflow/context.js) and the node's result.
import { msg } from '../locale';

const MESSAGE_FIELDS = [
  ['subject', msg('Subject'), 'string'],
  ['fromAddress', msg('Sender address'), 'string'],
  ['fromName', msg('Sender name'), 'string'],
  ['fromDomain', msg('Sender domain'), 'string'],
  ['toAddresses', msg('To addresses'), 'string'],
  ['ccAddresses', msg('Cc addresses'), 'string'],
  ['date', msg('Date'), 'date'],
  ['snippet', msg('Snippet'), 'string'],
  ['text', msg('Body text'), 'string'],
  ['hasAttachments', msg('Has attachments'), 'boolean'],
  ['id', msg('Message id in the email service'), 'number'],
  ['threadId', msg('Conversation id'), 'number'],
  ['messageId', msg('Message-ID header'), 'string'],
];

const RESULT_FIELDS = [
  ['status', msg('Outcome (sent, scheduled, failed, unknown)'), 'string'],
  ['messageId', msg('Message id at the provider'), 'string'],
  ['threadId', msg('Conversation id at the provider'), 'string'],
  ['outboxId', msg('Outbox id'), 'number'],
];

function option(names, key, label, children, type) {
  const { label: l = 'label', value: v = 'value', children: c = 'children' } = names || {};
  return { key, [v]: key, [l]: label, ...(children ? { [c]: children } : { isLeaf: true }), ...(type ? { type } : {}) };
}

function leaves(names, fields, t) {
  return fields.map(([key, label, type]) => option(names, key, t(label), null, type));
}

/** The variables of a mail trigger's context. */
export function triggerVariables(t, options = {}) {
  const names = options.fieldNames;
  return [
    option(names, 'message', t('Message'), leaves(names, MESSAGE_FIELDS, t)),
    option(names, 'mailbox', t('Mailbox'), [option(names, 'email', t('Mailbox address'), null, 'string'), option(names, 'id', t('Mailbox id'), null, 'number')]),
    option(names, 'kind', t('Received or sent'), null, 'string'),
    option(names, 'files', t('Attachments as files'), null, 'array'),
  ];
}

/** The variables of a Send email node's result. */
export function sendResultVariables(t, options = {}) {
  return leaves(options.fieldNames, RESULT_FIELDS, t);
}
