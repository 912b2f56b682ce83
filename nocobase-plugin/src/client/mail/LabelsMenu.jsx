// The mailbox's labels under its folders, nested ones under their parent: click one to
// list what carries it; create, rename, recolour and delete your own (Gmail's inbox
// categories are the provider's, read only, listed last). Every change goes to the
// provider first.
import { DeleteOutlined, EditOutlined, PlusOutlined, TagFilled } from '@ant-design/icons';
import { Button, Form, Input, List, Modal, Popconfirm, Radio, Space, Typography, message } from 'antd';
import React, { useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { labelTree } from './labelTree.mjs';
import { PALETTE } from './useLabels';

function LabelForm({ open, label, accountId, onClose, onSaved }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const body = { name: values.name.trim(), color: values.color || null };
      if (label) await mail.call('mailLabels:update', { params: { filterByTk: label.id }, values: body });
      else await mail.call('mailLabels:create', { values: { accountId, ...body } });
      onSaved();
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open={open} title={label ? t('Edit label') : t('New label')} onOk={save} okText={t('Save')} cancelText={t('Cancel')}
      confirmLoading={saving} onCancel={onClose} destroyOnClose data-testid="label-form">
      {/* Filled as the dialog mounts (it is made anew each time it opens), never after:
          what a quick hand typed during the opening stays. */}
      <Form form={form} layout="vertical" preserve={false}
        initialValues={{ name: label ? label.name : '', color: label ? label.color : null }}>
        <Form.Item name="name" label={t('Name')} rules={[{ required: true, whitespace: true, message: t('A label needs a name') }]}>
          <Input maxLength={225} data-testid="label-name" />
        </Form.Item>
        <Form.Item name="color" label={t('Colour')}>
          <Radio.Group>
            <Radio.Button value={null}>{t('None')}</Radio.Button>
            {PALETTE.map((hex) => (
              <Radio.Button key={hex} value={hex} aria-label={hex}>
                <TagFilled style={{ color: hex }} data-testid={`label-color-${hex.slice(1)}`} />
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function LabelsMenu({ accountId, labels, selected, onSelect, onChanged, own }) {
  const t = useT();
  const mail = useMailApi();
  const [editing, setEditing] = useState(null);
  const remove = async (label) => {
    try {
      await mail.call('mailLabels:destroy', { params: { filterByTk: label.id }, values: {} });
      if (selected === label.id) onSelect(null);
      onChanged();
    } catch (error) {
      message.error(errorText(error));
    }
  };
  return (
    <div style={{ marginTop: 12 }} data-testid="labels-menu">
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('Labels')}</Typography.Text>
        {own && <Button size="small" type="text" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="label-new" aria-label={t('New label')} />}
      </Space>
      <List size="small" dataSource={labelTree(labels)} rowKey={(row) => row.label.id} locale={{ emptyText: t('No labels') }}
        renderItem={({ label, depth, short }) => (
          <List.Item data-testid="label-item" title={label.name}
            style={{ cursor: 'pointer', paddingInline: 8, paddingInlineStart: 8 + 16 * depth, background: selected === label.id ? '#e6f4ff' : undefined }}
            onClick={() => onSelect(selected === label.id ? null : label.id)}
            actions={own && label.kind === 'user' ? [
              <EditOutlined key="edit" onClick={(event) => { event.stopPropagation(); setEditing(label); }} aria-label={t('Edit label')} />,
              // Clicks in the confirmation (a portal) still bubble through React to the row.
              <span key="delete" onClick={(event) => event.stopPropagation()}>
                <Popconfirm title={t('Delete the label "{{name}}"?', { name: label.name })} okText={t('Delete')} cancelText={t('Cancel')}
                  onConfirm={() => remove(label)}>
                  <DeleteOutlined aria-label={t('Delete')} data-testid="label-delete" />
                </Popconfirm>
              </span>,
            ] : []}>
            <Space size={6}><TagFilled style={{ color: label.color || '#bfbfbf' }} /><span>{short}</span></Space>
          </List.Item>
        )} />
      <LabelForm open={editing !== null} label={editing && editing.id ? editing : null} accountId={accountId}
        onClose={() => setEditing(null)} onSaved={() => { setEditing(null); onChanged(); }} />
    </div>
  );
}
