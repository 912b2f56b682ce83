// The user's signatures: several, each for any mailbox, one mailbox or one send-as
// address of it, one default for each; placed above or below the quote in answers.
// Edited in the rich-text editor, or as HTML for a designed signature (tables, logos)
// the editor would flatten; Gmail's own signature of an address can be imported.
import { Alert, Button, Checkbox, Form, Input, List, Modal, Radio, Select, Space, Switch, Tag, Typography, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { Editor } from '../compose/Editor';
import { useT } from '../locale';
import { useOwnList } from './useOwnList';

function scopeText(signature, accounts, t) {
  if (!signature.accountId) return t('Any mailbox');
  const account = accounts.find((a) => a.id === signature.accountId);
  const mailbox = account ? account.email : `#${signature.accountId}`;
  return signature.identity ? `${mailbox} → ${signature.identity}` : mailbox;
}

export function SignaturesTab({ accounts }) {
  const t = useT();
  const { rows, load, remove } = useOwnList('mailSignatures', t('Delete this signature?'));
  const [editing, setEditing] = useState(null);
  return (
    <div data-testid="signatures-tab">
      <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setEditing({})} data-testid="signature-new">{t('New signature')}</Button>
      <List bordered dataSource={rows} locale={{ emptyText: t('No signatures yet') }}
        renderItem={(row) => (
          <List.Item data-testid="signature-row" actions={[
            <Button key="edit" size="small" onClick={() => setEditing(row)}>{t('Edit')}</Button>,
            <Button key="delete" size="small" danger onClick={() => remove(row)}>{t('Delete')}</Button>,
          ]}>
            <Space direction="vertical" style={{ width: '100%' }}>
              <Space>
                <Typography.Text strong>{row.name}</Typography.Text>
                {row.isDefault && <Tag color="blue">{t('Default')}</Tag>}
                <Typography.Text type="secondary">{scopeText(row, accounts, t)}</Typography.Text>
              </Space>
              <div style={{ color: '#595959' }} dangerouslySetInnerHTML={{ __html: row.html }} />
            </Space>
          </List.Item>
        )} />
      <SignatureForm open={Boolean(editing)} row={editing} accounts={accounts} onClose={(saved) => { setEditing(null); if (saved) load(); }} />
    </div>
  );
}

function SignatureForm({ open, row, accounts, onClose }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [html, setHtml] = useState('');
  const [asHtml, setAsHtml] = useState(false);
  const [saving, setSaving] = useState(false);
  const accountId = Form.useWatch('accountId', form);
  const identity = Form.useWatch('identity', form);
  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue({
      name: row.name || '', accountId: row.accountId || 0, identity: row.identity || null,
      isDefault: row.id ? row.isDefault : true, placement: row.placement || 'belowQuote',
    });
    setHtml(row.html || '');
    setAsHtml(false);
  }, [open, row, form]);
  const account = accounts.find((a) => a.id === accountId);
  const identities = (account && account.identities) || [];
  const save = async (importFromProvider = false) => {
    const values = form.getFieldsValue();
    const body = {
      name: values.name, accountId: values.accountId || null, identity: values.accountId ? values.identity || null : null,
      isDefault: Boolean(values.isDefault), placement: values.placement,
    };
    if (importFromProvider) body.importFromProvider = true;
    else body.html = html;
    setSaving(true);
    try {
      if (row.id && !importFromProvider) await mail.call('mailSignatures:update', { params: { filterByTk: row.id }, values: body });
      else await mail.call('mailSignatures:create', { values: body });
      onClose(true);
    } catch (error) {
      const field = fieldError(error);
      if (field && ['name', 'html', 'accountId', 'identity'].includes(field.field)) form.setFields([{ name: field.field === 'html' ? 'name' : field.field, errors: [field.problem] }]);
      else message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open={open} title={row && row.id ? t('Edit signature') : t('New signature')} width={760} onCancel={() => onClose(false)} destroyOnClose
      footer={[
        account && account.provider === 'google' && identity && !row.id
          ? <Button key="import" onClick={() => save(true)} loading={saving} data-testid="signature-import">{t('Import from Gmail')}</Button> : null,
        <Button key="cancel" onClick={() => onClose(false)}>{t('Cancel')}</Button>,
        <Button key="save" type="primary" loading={saving} onClick={() => save(false)} data-testid="signature-save">{t('Save')}</Button>,
      ]}>
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('Name')} rules={[{ required: true }]}>
          <Input data-testid="signature-name" />
        </Form.Item>
        <Space wrap>
          <Form.Item name="accountId" label={t('For')}>
            <Select style={{ minWidth: 240 }} options={[{ value: 0, label: t('Any mailbox') }, ...accounts.map((a) => ({ value: a.id, label: a.email }))]} />
          </Form.Item>
          {account && (
            <Form.Item name="identity" label={t('Address')}>
              <Select allowClear style={{ minWidth: 240 }} placeholder={t('Every address of the mailbox')}
                options={identities.map((i) => ({ value: i.address, label: i.name ? `${i.name} <${i.address}>` : i.address }))} />
            </Form.Item>
          )}
        </Space>
        <Space wrap>
          <Form.Item name="isDefault" valuePropName="checked">
            <Checkbox>{t('Use by default')}</Checkbox>
          </Form.Item>
          <Form.Item name="placement" label={t('In replies and forwards')}>
            <Radio.Group options={[{ value: 'aboveQuote', label: t('Above the quote') }, { value: 'belowQuote', label: t('Below the quote') }]} />
          </Form.Item>
        </Space>
        <Space style={{ marginBottom: 8 }}>
          <Switch size="small" checked={asHtml} onChange={setAsHtml} data-testid="signature-as-html" />
          <Typography.Text type="secondary">{t('Edit as HTML (for a designed signature with tables or a logo)')}</Typography.Text>
        </Space>
        {asHtml
          ? <Input.TextArea rows={8} value={html} onChange={(e) => setHtml(e.target.value)} data-testid="signature-html" style={{ fontFamily: 'monospace' }} />
          : <Editor value={html} onChange={setHtml} />}
        {account && account.provider === 'google' && identity && !row.id && (
          <Alert style={{ marginTop: 12 }} type="info" showIcon message={t('Or import the signature Gmail keeps for this address.')} />
        )}
      </Form>
    </Modal>
  );
}
