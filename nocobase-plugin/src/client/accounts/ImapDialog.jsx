// "Connect other mail (IMAP)": the address and password first, the servers filled in from
// the address (a known provider's, else a guess said to be one) and open to change;
// "Test" says which server failed at which stage, "Connect" stores the mailbox. Also the
// reconnect of an IMAP mailbox whose password stopped working.
import { Alert, Button, Col, Collapse, Form, Input, InputNumber, Modal, Row, Select, Space, Typography, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { connectValues, defaultPort, presetFor } from './imapPresets.mjs';

const TLS_OPTIONS = (t) => [
  { value: 'implicit', label: t('SSL/TLS') },
  { value: 'starttls', label: t('STARTTLS') },
  { value: 'none', label: t('None (unencrypted)') },
];

function ServerFields({ prefix, title, t, form }) {
  return (
    <>
      <Typography.Text strong>{title}</Typography.Text>
      <Row gutter={8}>
        <Col span={12}>
          <Form.Item name={`${prefix}Host`} label={t('Server')} rules={[{ required: true, message: t('Required') }]}>
            <Input autoComplete="off" data-testid={`imap-${prefix}-host`} />
          </Form.Item>
        </Col>
        <Col span={5}>
          <Form.Item name={`${prefix}Port`} label={t('Port')}>
            <InputNumber min={1} max={65535} style={{ width: '100%' }} data-testid={`imap-${prefix}-port`} />
          </Form.Item>
        </Col>
        <Col span={7}>
          <Form.Item name={`${prefix}Tls`} label={t('Encryption')}>
            <Select options={TLS_OPTIONS(t)}
              onChange={(tls) => form.setFieldsValue({ [`${prefix}Port`]: defaultPort(prefix, tls) })} />
          </Form.Item>
        </Col>
      </Row>
    </>
  );
}

/** `open`: `{email?}` to show the dialog (an email reconnects that mailbox); null hides it. */
export function ImapDialog({ open, onClose, onConnected, onUseOAuth }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [preset, setPreset] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const [busy, setBusy] = useState(null);
  const [advanced, setAdvanced] = useState([]);

  const fill = (email) => {
    const found = presetFor(email);
    setPreset(found);
    if (!found || found.oauth) return;
    form.setFieldsValue({
      imapHost: found.imap.host, imapPort: found.imap.port, imapTls: found.imap.tls,
      smtpHost: found.smtp.host, smtpPort: found.smtp.port, smtpTls: found.smtp.tls,
    });
  };
  useEffect(() => {
    if (!open) return;
    form.resetFields();
    setOutcome(null);
    setAdvanced([]);
    form.setFieldsValue({ email: open.email || '', imapTls: 'implicit', imapPort: 993, smtpTls: 'starttls', smtpPort: 587 });
    if (open.email) fill(open.email);
    else setPreset(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  const run = async (key, body) => {
    setBusy(key);
    setOutcome(null);
    try {
      await form.validateFields();
    } catch {
      setBusy(null);
      // A server field the user has not seen is what is missing: show them.
      setAdvanced(['servers']);
      return;
    }
    try {
      await body(connectValues(form.getFieldsValue(true)));
    } catch (error) {
      setOutcome({ ok: false, message: errorText(error) });
    } finally {
      setBusy(null);
    }
  };
  const test = () => run('test', async (values) => {
    const answer = await mail.call('mailAccounts:test', { values });
    setOutcome(answer.data);
  });
  const connect = () => run('connect', async (values) => {
    const answer = await mail.call('mailAccounts:connect', { values });
    message.success(t('Mailbox connected. Your mail is being synchronized.'));
    onConnected(answer.data);
  });

  const failure = outcome && !outcome.ok
    ? [outcome.protocol && outcome.protocol.toUpperCase(), outcome.stage && t(`stage.${outcome.stage}`)].filter(Boolean).join(' · ')
    : null;
  return (
    <Modal
      open={Boolean(open)}
      title={open && open.email ? t('Reconnect {{email}}', { email: open.email }) : t('Connect other mail (IMAP)')}
      onCancel={onClose}
      destroyOnClose
      modalRender={(node) => <div data-testid="imap-dialog">{node}</div>}
      footer={(
        <Space>
          <Button onClick={onClose}>{t('Cancel')}</Button>
          <Button onClick={test} loading={busy === 'test'} data-testid="imap-test">{t('Test')}</Button>
          <Button type="primary" onClick={connect} loading={busy === 'connect'} data-testid="imap-connect">{t('Connect')}</Button>
        </Space>
      )}
    >
      <Form form={form} layout="vertical" name="imap-connect">
        <Form.Item name="email" label={t('Email address')} rules={[{ required: true, type: 'email', message: t('Enter an email address') }]}>
          <Input autoComplete="off" onBlur={(event) => fill(event.target.value)} data-testid="imap-email" disabled={Boolean(open && open.email)} />
        </Form.Item>
        {preset && preset.oauth && (
          <Alert type="info" showIcon style={{ marginBottom: 16 }}
            message={t('This address connects best by signing in.')}
            action={<Button size="small" onClick={() => onUseOAuth(preset.oauth, form.getFieldValue('email'))}>{preset.oauth === 'google' ? t('Connect Gmail') : t('Connect Outlook')}</Button>} />
        )}
        <Form.Item name="password" label={t('Password or app password')} rules={[{ required: true, message: t('Required') }]}
          extra={preset && preset.appPassword ? t('{{name}} asks for an app password made in its security settings, not your sign-in password.', { name: preset.name }) : t('Some providers ask for an app password instead of your sign-in password.')}>
          <Input.Password autoComplete="new-password" data-testid="imap-password" />
        </Form.Item>
        {preset && !preset.oauth && (
          <Typography.Paragraph type="secondary" data-testid="imap-preset">
            {preset.guess ? t('Servers guessed from the address: check them under Servers.') : t('Servers of {{name}} filled in.', { name: preset.name })}
          </Typography.Paragraph>
        )}
        <Collapse ghost activeKey={advanced} onChange={(keys) => setAdvanced(keys)} items={[{
          key: 'servers',
          label: t('Servers'),
          forceRender: true,
          children: (
            <>
              <ServerFields prefix="imap" title={t('Incoming mail (IMAP)')} t={t} form={form} />
              <ServerFields prefix="smtp" title={t('Outgoing mail (SMTP)')} t={t} form={form} />
              <Form.Item name="username" label={t('User name (optional)')} extra={t('When it is not the email address.')}>
                <Input autoComplete="off" />
              </Form.Item>
            </>
          ),
        }]} />
        {outcome && (
          <Alert type={outcome.ok ? 'success' : 'error'} showIcon data-testid="imap-outcome"
            message={outcome.ok ? t('Both servers accepted the sign-in.') : (failure || t('The mailbox was not connected'))}
            description={outcome.message} />
        )}
      </Form>
    </Modal>
  );
}
