// Settings → Email manager: one card per provider with the OAuth app the admin registered
// at Google or Microsoft. The secret is write-only: the page shows whether one is stored.
import { CopyOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Select, Space, Spin, Switch, Tag, Typography, message } from 'antd';
import React, { useCallback, useEffect, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { useT } from '../locale';
import { useRoleOptions } from '../accounts/ShareDialog';
import { ImapCard } from './ImapCard';
import { TenantField } from './TenantField';

function ProviderCard({ provider, onSaved }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const roleOptions = useRoleOptions();

  useEffect(() => {
    form.setFieldsValue({ clientId: provider.clientId, clientSecret: '', tenant: provider.tenant || 'common', enabled: provider.enabled,
      pubsubTopic: provider.pubsubTopic || '', pushAudience: provider.pushAudience || '', pushServiceAccount: provider.pushServiceAccount || '',
      connectRoles: provider.connectRoles || [], allowedTenants: provider.allowedTenants || [] });
  }, [provider, form]);

  const values = () => {
    const { clientId, clientSecret, tenant, enabled } = form.getFieldsValue();
    const out = { clientId: (clientId || '').trim(), enabled: Boolean(enabled) };
    if (clientSecret) out.clientSecret = clientSecret;
    if (provider.name === 'microsoft') out.tenant = tenant;
    return out;
  };
  // Who may connect, which tenants, Gmail push (saved, not part of the client test);
  // empty clears them.
  const pushValues = () => {
    const { pubsubTopic, pushAudience, pushServiceAccount, connectRoles, allowedTenants } = form.getFieldsValue();
    const common = { connectRoles: connectRoles || [] };
    if (provider.name === 'microsoft') return { ...common, allowedTenants: (allowedTenants || []).map((id) => id.trim()).filter(Boolean) };
    return { ...common, pubsubTopic: (pubsubTopic || '').trim(), pushAudience: (pushAudience || '').trim(), pushServiceAccount: (pushServiceAccount || '').trim() };
  };
  const showError = (error) => {
    const field = fieldError(error);
    if (field && ['clientId', 'clientSecret', 'tenant', 'enabled', 'pubsubTopic', 'pushAudience', 'pushServiceAccount', 'connectRoles', 'allowedTenants'].includes(field.field)) {
      form.setFields([{ name: field.field, errors: [field.problem] }]);
    } else {
      message.error(errorText(error));
    }
  };
  const save = async () => {
    setSaving(true);
    setOutcome(null);
    try {
      const answer = await mail.call('mailProviders:update', { params: { filterByTk: provider.name }, values: { ...values(), ...pushValues() } });
      message.success(t('Saved'));
      onSaved(answer.data[0]);
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  };
  const test = async () => {
    setTesting(true);
    setOutcome(null);
    try {
      const answer = await mail.call('mailProviders:test', { params: { filterByTk: provider.name }, values: values() });
      setOutcome(answer.data);
    } catch (error) {
      showError(error);
    } finally {
      setTesting(false);
    }
  };

  return (
    <Card
      title={<Space>{provider.title}{provider.enabled ? <Tag color="green">{t('Enabled')}</Tag> : <Tag>{t('Disabled')}</Tag>}</Space>}
      style={{ marginBottom: 24 }}
      data-testid={`provider-${provider.name}`}
    >
      <Form form={form} name={provider.name} layout="vertical" style={{ maxWidth: 640 }}>
        <Form.Item label={t('Redirect URI')} extra={t('Register exactly this address with the provider.')}>
          <Space.Compact style={{ width: '100%' }}>
            <Input value={provider.redirectUri} readOnly />
            <Button
              icon={<CopyOutlined />}
              onClick={() => navigator.clipboard.writeText(provider.redirectUri).then(() => message.success(t('Copied')))}
            >
              {t('Copy')}
            </Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item name="clientId" label={t('Client ID')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="clientSecret"
          label={t('Client secret')}
          extra={provider.clientSecretSet ? `${t('A secret is set')} (${provider.clientSecretHint || '••••'}). ${t('Leave empty to keep it.')}` : t('No secret is set.')}
        >
          <Input.Password autoComplete="new-password" placeholder={provider.clientSecretSet ? t('set') : ''} />
        </Form.Item>
        {provider.name === 'microsoft' && (
          <>
            <Form.Item name="tenant" label={t('Who may sign in (tenant)')}>
              <TenantField />
            </Form.Item>
            <Form.Item name="allowedTenants" label={t('Allowed organizations (optional)')}
              extra={t('Tenant IDs whose mailboxes may connect; empty allows every organization the tenant setting signs in.')}>
              <Select mode="tags" tokenSeparators={[',', ' ']} open={false} placeholder="72f988bf-86f1-41af-91ab-2d7cd011db47" />
            </Form.Item>
          </>
        )}
        <Form.Item name="connectRoles" label={t('Who may connect mailboxes')}
          extra={t('NocoBase roles whose users may connect mailboxes of this provider; empty lets every signed-in user.')}>
          <Select mode="multiple" options={roleOptions} placeholder={t('Everyone signed in')} data-testid={`connect-roles-${provider.name}`} />
        </Form.Item>
        {provider.name === 'google' && (
          <>
            <Form.Item name="pubsubTopic" label={t('Pub/Sub topic (optional)')}
              extra={t('projects/<project>/topics/<topic>: Gmail then pushes new mail in seconds instead of waiting for the next poll. See the push guide.')}>
              <Input autoComplete="off" placeholder="projects/my-project/topics/gmail-changes" />
            </Form.Item>
            <Form.Item name="pushAudience" label={t('Push audience')} extra={t('The audience of the push subscription\'s authentication; empty means the webhook URL.')}>
              <Input autoComplete="off" />
            </Form.Item>
            <Form.Item name="pushServiceAccount" label={t('Push service account')}
              extra={t('The service account the push subscription authenticates as (its email). Pushes signed by anyone else are refused; without it Gmail falls back to polling.')}>
              <Input autoComplete="off" placeholder="gmail-push@my-project.iam.gserviceaccount.com" />
            </Form.Item>
          </>
        )}
        <Form.Item name="enabled" label={t('Enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
        {outcome && (
          <Alert style={{ marginBottom: 16 }} type={outcome.ok ? 'success' : 'error'} showIcon
            message={outcome.ok ? t('The provider accepts this client and secret.') : outcome.code} description={outcome.ok ? null : outcome.message} />
        )}
        <Space>
          <Button type="primary" onClick={save} loading={saving}>{t('Save')}</Button>
          <Button onClick={test} loading={testing}>{t('Test')}</Button>
        </Space>
      </Form>
    </Card>
  );
}

export function ProviderSettings() {
  const t = useT();
  const mail = useMailApi();
  const [providers, setProviders] = useState(null);
  const [error, setError] = useState(null);
  const load = useCallback(() => {
    mail.call('mailProviders:list').then((answer) => setProviders(answer.data), (e) => setError(errorText(e)));
  }, [mail]);
  useEffect(load, [load]);
  if (error) return <Alert type="error" showIcon message={t('The email service could not be reached')} description={error} />;
  if (!providers) return <Spin />;
  return (
    <div>
      <Typography.Paragraph type="secondary">
        {t('Register the company\'s OAuth apps at Google and Microsoft, then paste their Client ID and Client secret here. Users connect their own mailboxes afterwards.')}
      </Typography.Paragraph>
      {providers.map((provider) => {
        const onSaved = (saved) => setProviders((all) => all.map((p) => (p.name === saved.name ? saved : p)));
        return provider.name === 'imap'
          ? <ImapCard key={provider.name} provider={provider} onSaved={onSaved} />
          : <ProviderCard key={provider.name} provider={provider} onSaved={onSaved} />;
      })}
    </div>
  );
}
