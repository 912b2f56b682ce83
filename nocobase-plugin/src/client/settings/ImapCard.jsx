// Settings → Email manager → IMAP (#26): whether users may connect any other mailbox by
// IMAP and SMTP, and which servers they may name. Off by default; servers on private or
// local networks, and unencrypted connections, only when the admin allows them.
import { Alert, Button, Card, Form, Select, Space, Switch, Tag, Typography, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { useT } from '../locale';
import { useRoleOptions } from '../accounts/ShareDialog';

export function ImapCard({ provider, onSaved }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const roleOptions = useRoleOptions();

  useEffect(() => {
    form.setFieldsValue({
      enabled: provider.enabled,
      allowedHosts: provider.allowedHosts || [],
      allowPrivateNetworks: Boolean(provider.allowPrivateNetworks),
      allowPlaintext: Boolean(provider.allowPlaintext),
      connectRoles: provider.connectRoles || [],
    });
  }, [provider, form]);

  const save = async () => {
    setSaving(true);
    try {
      const values = form.getFieldsValue();
      const answer = await mail.call('mailProviders:update', {
        params: { filterByTk: 'imap' },
        values: {
          enabled: Boolean(values.enabled),
          allowedHosts: (values.allowedHosts || []).map((host) => host.trim()).filter(Boolean),
          allowPrivateNetworks: Boolean(values.allowPrivateNetworks),
          allowPlaintext: Boolean(values.allowPlaintext),
          connectRoles: values.connectRoles || [],
        },
      });
      message.success(t('Saved'));
      onSaved(answer.data[0]);
    } catch (error) {
      const field = fieldError(error);
      if (field && ['allowedHosts', 'connectRoles'].includes(field.field)) form.setFields([{ name: field.field, errors: [field.problem] }]);
      else message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      title={<Space>{t('Other mail (IMAP and SMTP)')}{provider.enabled ? <Tag color="green">{t('Enabled')}</Tag> : <Tag>{t('Disabled')}</Tag>}</Space>}
      style={{ marginBottom: 24 }}
      data-testid="provider-imap"
    >
      <Typography.Paragraph type="secondary">
        {t('Users connect any other mailbox (Fastmail, iCloud, Yahoo, a company server) with its server and an app password. Passwords are stored encrypted.')}
      </Typography.Paragraph>
      <Form form={form} name="imap" layout="vertical" style={{ maxWidth: 640 }}>
        <Form.Item name="allowedHosts" label={t('Allowed servers (optional)')}
          extra={t('Host names or domains users may name (a domain includes its subdomains); empty allows any public server.')}>
          <Select mode="tags" tokenSeparators={[',', ' ']} open={false} placeholder="fastmail.com, mail.example.com" />
        </Form.Item>
        <Form.Item name="allowPrivateNetworks" label={t('Allow servers on private networks')} valuePropName="checked"
          extra={t('Needed for a mail server inside the company network. Off, addresses such as 10.x, 192.168.x and localhost are refused, so nobody can make the service reach into its own network.')}>
          <Switch data-testid="imap-private" />
        </Form.Item>
        <Form.Item name="allowPlaintext" label={t('Allow unencrypted connections')} valuePropName="checked"
          extra={t('Passwords and mail would cross the network readable. Only for a server on a trusted network.')}>
          <Switch />
        </Form.Item>
        {form.getFieldValue('allowPlaintext') && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('Unencrypted connections are allowed.')} />}
        <Form.Item name="connectRoles" label={t('Who may connect mailboxes')}
          extra={t('NocoBase roles whose users may connect mailboxes of this provider; empty lets every signed-in user.')}>
          <Select mode="multiple" options={roleOptions} placeholder={t('Everyone signed in')} />
        </Form.Item>
        <Form.Item name="enabled" label={t('Enabled')} valuePropName="checked">
          <Switch data-testid="imap-enabled" />
        </Form.Item>
        <Button type="primary" onClick={save} loading={saving} data-testid="imap-save">{t('Save')}</Button>
      </Form>
    </Card>
  );
}
