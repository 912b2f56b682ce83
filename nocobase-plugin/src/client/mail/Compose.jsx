// Compose, reply, reply all and forward. For an answer the form first asks the server who
// it goes to (mailMessages:prepareReply) and shows those recipients, editable, with a
// warning when the original's Reply-To leads to another domain than its sender; it then
// sends exactly the recipients shown (fillRecipients: false). The server still adds
// Re:/Fwd:, the threading headers, the quoted original and a forward's attachments. Sent
// as multipart/form-data, which carries attachments as files.
import { PaperClipOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Modal, Select, Spin, Upload, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { useT } from '../locale';

const TITLES = { reply: 'Reply', replyAll: 'Reply all', forward: 'Forward' };

/**
 * `draft`: {accountId?, to?: [], subject?, reference?: {messageId, action}} — what the
 * form opens with; null when closed.
 */
export function Compose({ draft, accounts, onClose, onSent }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [files, setFiles] = useState([]);
  const [sending, setSending] = useState(false);
  const [prepared, setPrepared] = useState(null);
  const reference = draft && draft.reference;

  useEffect(() => {
    if (!draft) return undefined;
    let live = true;
    form.resetFields();
    setFiles([]);
    setPrepared(null);
    form.setFieldsValue({
      accountId: draft.accountId || (accounts[0] && accounts[0].id),
      to: draft.to || [],
      cc: [],
      bcc: [],
      subject: draft.subject || '',
      text: '',
    });
    if (reference) {
      // Who the answer goes to, shown before it is sent.
      mail.call('mailMessages:prepareReply', { params: { filterByTk: reference.messageId, action: reference.action } }).then((answer) => {
        if (!live) return;
        const addresses = (list) => (list || []).map((p) => p.address);
        form.setFieldsValue({ to: addresses(answer.data.to), cc: addresses(answer.data.cc), subject: answer.data.subject });
        setPrepared(answer.data);
      }, (error) => {
        if (live) message.error(errorText(error));
      });
    }
    return () => { live = false; };
  }, [draft, accounts, form]); // eslint-disable-line react-hooks/exhaustive-deps

  const send = async () => {
    const values = form.getFieldsValue();
    const body = new FormData();
    body.append('accountId', String(values.accountId));
    for (const field of ['to', 'cc', 'bcc']) {
      for (const address of values[field] || []) body.append(field, address);
    }
    if (values.subject) body.append('subject', values.subject);
    body.append('text', values.text || '');
    if (reference) {
      body.append('reference[messageId]', String(reference.messageId));
      body.append('reference[action]', reference.action);
      // The recipients were shown and may have been changed: send to exactly those.
      if (prepared) body.append('reference[fillRecipients]', 'false');
    }
    for (const file of files) body.append('attachments', file, file.name);
    setSending(true);
    try {
      const answer = await mail.call('mailMessages:send', { values: body });
      const outcome = answer.data;
      if (outcome.status === 'sent' || outcome.status === 'scheduled') {
        message.success(outcome.status === 'sent' ? t('Sent') : t('Scheduled'));
        onSent(outcome);
      } else {
        message.error(`${t(`send.${outcome.status}`)}${outcome.error ? `: ${outcome.error.message}` : ''}`);
      }
    } catch (error) {
      const field = fieldError(error);
      if (field && ['to', 'cc', 'bcc', 'subject', 'text', 'accountId'].includes(field.field.replace(/\[.*$/, ''))) {
        form.setFields([{ name: field.field.replace(/\[.*$/, ''), errors: [field.problem] }]);
      } else {
        message.error(errorText(error));
      }
    } finally {
      setSending(false);
    }
  };

  const addresses = (name, label) => (
    <Form.Item name={name} label={label}>
      <Select mode="tags" tokenSeparators={[',', ';', ' ']} open={false} data-testid={`compose-${name}`} />
    </Form.Item>
  );
  return (
    <Modal
      open={Boolean(draft)}
      title={reference ? t(TITLES[reference.action]) : t('New message')}
      onCancel={onClose}
      width={720}
      destroyOnClose
      footer={[
        <Button key="cancel" onClick={onClose}>{t('Cancel')}</Button>,
        <Button key="send" type="primary" loading={sending} disabled={Boolean(reference) && !prepared} onClick={send} data-testid="compose-send">{t('Send')}</Button>,
      ]}
    >
      {reference && !prepared && <Spin size="small" style={{ marginBottom: 12 }} />}
      {prepared && (prepared.warnings || []).map((warning) => (
        <Alert key={warning.code} type="warning" showIcon style={{ marginBottom: 12 }} data-testid="compose-warning"
          message={t('Check the recipients')} description={warning.message} />
      ))}
      <Form form={form} layout="vertical" data-testid="compose-form">
        <Form.Item name="accountId" label={t('From')}>
          <Select disabled={Boolean(reference)} options={accounts.map((a) => ({ value: a.id, label: a.email }))} />
        </Form.Item>
        {addresses('to', t('To'))}
        {addresses('cc', t('Cc'))}
        {addresses('bcc', t('Bcc'))}
        <Form.Item name="subject" label={t('Subject')}>
          <Input placeholder={reference && reference.action !== 'forward' ? t('Re: the original subject') : ''} />
        </Form.Item>
        <Form.Item name="text" label={t('Message')}>
          <Input.TextArea rows={8} data-testid="compose-text" />
        </Form.Item>
        <Upload multiple beforeUpload={(file) => { setFiles((all) => [...all, file]); return false; }}
          onRemove={(file) => setFiles((all) => all.filter((f) => f.uid !== file.uid))} fileList={files}>
          <Button icon={<PaperClipOutlined />}>{t('Attach files')}</Button>
        </Upload>
      </Form>
    </Modal>
  );
}
