// Who else may see a mailbox: how much (who and when, plus subjects, everything) and to
// which NocoBase roles. Sharing always names roles: a mailbox is never shown to every
// signed-in user.
import { Form, Modal, Select, Typography, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { useT } from '../locale';

export const VISIBILITY = ['private', 'metadata', 'subject', 'full'];

/** The roles to choose from (the plugin's own NocoBase action lists them for everyone). */
export function useRoleOptions() {
  const mail = useMailApi();
  const [roles, setRoles] = useState([]);
  useEffect(() => {
    mail.call('emailManagerRoles:list').then((answer) => setRoles(answer.data || []), () => setRoles([]));
  }, [mail]);
  return roles.map((role) => ({ value: role.name, label: role.title && !role.title.startsWith('{{') ? `${role.title} (${role.name})` : role.name }));
}

export function ShareDialog({ account, onClose, onSaved }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const roleOptions = useRoleOptions();
  const visibility = Form.useWatch('visibility', form);

  useEffect(() => {
    if (account) form.setFieldsValue({ visibility: account.visibility, sharedWithRoles: account.sharedWithRoles || [] });
  }, [account, form]);

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const sharedWithRoles = values.visibility === 'private' ? [] : values.sharedWithRoles;
      await mail.call('mailAccounts:update', { params: { filterByTk: account.id }, values: { visibility: values.visibility, sharedWithRoles } });
      message.success(values.visibility === 'private' ? t('Only you see this mailbox now.') : t('Sharing saved: {{roles}} see this mailbox.', { roles: sharedWithRoles.join(', ') }));
      onSaved();
    } catch (error) {
      const field = fieldError(error);
      if (field && ['visibility', 'sharedWithRoles'].includes(field.field)) form.setFields([{ name: field.field, errors: [field.problem] }]);
      else form.setFields([{ name: 'visibility', errors: [errorText(error)] }]);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal open={Boolean(account)} title={t('Who else may see this mailbox')} onCancel={onClose} onOk={save}
      okText={t('Save')} cancelText={t('Cancel')} confirmLoading={saving} destroyOnClose>
      <Form form={form} layout="vertical" data-testid="share-form">
        <Form.Item name="visibility" label={t('They see')}>
          <Select data-testid="share-visibility" options={VISIBILITY.map((value) => ({ value, label: t(`visibility.${value}`) }))} />
        </Form.Item>
        {visibility && visibility !== 'private' && (
          <Form.Item name="sharedWithRoles" label={t('Roles')} rules={[{ required: true, message: t('Choose the roles that may see this mailbox.') }]}
            extra={t('Only users with one of these NocoBase roles see it; nobody else does.')}>
            <Select mode="multiple" data-testid="share-roles" options={roleOptions} placeholder={t('Choose roles')} />
          </Form.Item>
        )}
        {visibility === 'private' && <Typography.Text type="secondary">{t('Only you see this mailbox.')}</Typography.Text>}
      </Form>
    </Modal>
  );
}
