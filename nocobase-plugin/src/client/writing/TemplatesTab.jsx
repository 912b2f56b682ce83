// Mail templates: the user's own, and the shared ones admins write for NocoBase roles
// (a shared template is shown to the roles it names; only admins change it). Subject and
// body hold variables as NocoBase writes them; the picker puts them at the cursor.
import { Button, Form, Input, List, Modal, Radio, Select, Space, Tag, Typography, message } from 'antd';
import React, { useEffect, useRef, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { Editor } from '../compose/Editor';
import { useRoleOptions } from '../accounts/ShareDialog';
import { useT } from '../locale';
import { useOwnList } from './useOwnList';
import { VariablePicker } from './VariablePicker';

export function TemplatesTab() {
  const t = useT();
  const { rows, load, remove } = useOwnList('mailTemplates', t('Delete this template?'));
  const [editing, setEditing] = useState(null);
  return (
    <div data-testid="templates-tab">
      <Button type="primary" style={{ marginBottom: 12 }} onClick={() => setEditing({})} data-testid="template-new">{t('New template')}</Button>
      <List bordered dataSource={rows} locale={{ emptyText: t('No templates yet') }}
        renderItem={(row) => (
          <List.Item data-testid="template-row" actions={row.editable ? [
            <Button key="edit" size="small" onClick={() => setEditing(row)}>{t('Edit')}</Button>,
            <Button key="delete" size="small" danger onClick={() => remove(row)}>{t('Delete')}</Button>,
          ] : []}>
            <Space direction="vertical">
              <Space>
                <Typography.Text strong>{row.name}</Typography.Text>
                {row.scope === 'shared' ? <Tag color="purple">{t('shared')}</Tag> : <Tag>{t('personal')}</Tag>}
                {(row.roles || []).map((r) => <Tag key={r}>{r}</Tag>)}
              </Space>
              <Typography.Text type="secondary">{row.subject}</Typography.Text>
            </Space>
          </List.Item>
        )} />
      <TemplateForm open={Boolean(editing)} row={editing} onClose={(saved) => { setEditing(null); if (saved) load(); }} />
    </div>
  );
}

function TemplateForm({ open, row, onClose }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [html, setHtml] = useState('');
  // NocoBase's roles, for a shared template's audience (as a mailbox is shared).
  const roles = useRoleOptions();
  const [saving, setSaving] = useState(false);
  const editor = useRef(null);
  const scope = Form.useWatch('scope', form);
  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue({ name: row.name || '', subject: row.subject || '', scope: row.scope || 'personal', roles: row.roles || [] });
    setHtml(row.html || '');
  }, [open, row, form]);
  const save = async () => {
    const values = form.getFieldsValue();
    const body = { name: values.name, subject: values.subject, html, scope: values.scope };
    if (values.scope === 'shared') body.roles = values.roles || [];
    setSaving(true);
    try {
      if (row.id) await mail.call('mailTemplates:update', { params: { filterByTk: row.id }, values: body });
      else await mail.call('mailTemplates:create', { values: body });
      onClose(true);
    } catch (error) {
      const field = fieldError(error);
      const shown = ['name', 'subject', 'scope'].concat(values.scope === 'shared' ? ['roles'] : []);
      if (field && shown.includes(field.field)) form.setFields([{ name: field.field, errors: [field.problem] }]);
      else message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  const insertIntoSubject = (text) => form.setFieldsValue({ subject: `${form.getFieldValue('subject') || ''}${text}` });
  return (
    <Modal open={open} title={row && row.id ? t('Edit template') : t('New template')} width={820} onCancel={() => onClose(false)} destroyOnClose
      okText={t('Save')} onOk={save} confirmLoading={saving} okButtonProps={{ 'data-testid': 'template-save' }}>
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('Name')} rules={[{ required: true }]}>
          <Input data-testid="template-name" />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="scope" label={t('Who uses it')}>
            <Radio.Group options={[{ value: 'personal', label: t('Only me') }, { value: 'shared', label: t('Shared with roles (admins)') }]} />
          </Form.Item>
          {scope === 'shared' && (
            <Form.Item name="roles" label={t('Roles')}>
              <Select mode="multiple" style={{ minWidth: 260 }} options={roles} />
            </Form.Item>
          )}
        </Space>
        <Form.Item name="subject" label={t('Subject')} extra={<Button type="link" size="small" style={{ padding: 0 }}
          onClick={() => insertIntoSubject('{{$nRecord.name}}')}>{t('Add the record name to the subject')}</Button>}>
          <Input data-testid="template-subject" />
        </Form.Item>
        <Form.Item label={t('Message')}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <VariablePicker onInsert={(text) => editor.current && editor.current.insert(text)} />
            <Editor value={html} onChange={setHtml} onReady={(api_) => { editor.current = api_; }} />
          </Space>
        </Form.Item>
      </Form>
    </Modal>
  );
}
