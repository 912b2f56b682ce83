// Mail merge from a table: the records (the rows the user selected, or all that match the
// table's filter), the field that holds each one's address, the mailbox (and address) to
// send from, the template, and when. "Check recipients" makes the campaign as a draft, so
// the user sees who gets it and who is skipped and why, and how the mailbox's sending
// limit spreads it, before anything is sent; "Start sending" starts it.
import { Alert, Button, DatePicker, Form, List, Radio, Select, Space, Typography, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText } from '../api';
import { useT } from '../locale';
import { plan } from './campaignPlan.mjs';

/** What the mailbox's allowance means for `count` recipients, in words. */
export function AllowanceNote({ allowance, count }) {
  const t = useT();
  const p = plan(allowance, count);
  if (!p) return null;
  if (p.unlimited) {
    return <Alert data-testid="mail-merge-allowance" type="info" showIcon message={t('No sending limit is set for this mailbox.')} />;
  }
  const lines = [
    allowance.perDay != null && t('This mailbox may send to {{perDay}} recipients a day; {{sent}} in the last 24 hours.', { perDay: allowance.perDay, sent: allowance.sentLastDay }),
    allowance.perMinute != null && t('At most {{perMinute}} a minute.', { perMinute: allowance.perMinute }),
    allowance.waiting > 0 && t('Its other mail merges still hold {{waiting}} recipients; they go first.', { waiting: allowance.waiting }),
    count > 0 && (p.later > 0
      ? t('{{today}} of {{count}} can go in the next 24 hours; the rest over about {{days}} more days.', { today: p.today, count, days: p.days })
      : t('All {{count}} can go in the next 24 hours.', { count })),
  ].filter(Boolean);
  return (
    <Alert data-testid="mail-merge-allowance" type={p.later > 0 ? 'warning' : 'info'} showIcon
      message={<Space direction="vertical" size={0}>{lines.map((line) => <span key={line}>{line}</span>)}</Space>} />
  );
}

/**
 * `mail`: the mail API; `target`: `{dataSource, collection, fields: [{value, label}],
 * emailField, selected: [keys], filter}` from the table; `onClose(campaign|null)`.
 */
export function MailMergeForm({ mail, target, onClose }) {
  const t = useT();
  const [form] = Form.useForm();
  const [accounts, setAccounts] = useState([]);
  const [templates, setTemplates] = useState([]);
  const [allowance, setAllowance] = useState(null);
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState(null);
  const [skipped, setSkipped] = useState([]);
  const accountId = Form.useWatch('accountId', form);
  const scope = Form.useWatch('scope', form);
  const selected = target.selected || [];

  useEffect(() => {
    mail.call('mailAccounts:list', { params: { pageSize: 200 } }).then((answer) => {
      setAccounts(answer.data);
      if (answer.data.length === 1) form.setFieldsValue({ accountId: answer.data[0].id });
    }, (error) => message.error(errorText(error)));
    mail.call('mailTemplates:list', { params: { pageSize: 200 } }).then((answer) => setTemplates(answer.data), () => setTemplates([]));
  }, [mail, form]);
  // The mailbox chosen, and once the draft is made, the draft's (the form is gone then).
  const mailbox = draft ? draft.accountId : accountId;
  useEffect(() => {
    setAllowance(null);
    if (!mailbox) return undefined;
    let live = true;
    mail.call('mailCampaigns:allowance', { params: { accountId: mailbox } })
      .then((answer) => { if (live) setAllowance(answer.data); }, () => {});
    return () => { live = false; };
  }, [mail, mailbox]);

  const account = accounts.find((a) => a.id === accountId);
  const identities = (account && account.identities) || [];

  const check = async () => {
    const values = await form.validateFields();
    const source = { collection: target.collection, emailField: values.emailField };
    if (target.dataSource && target.dataSource !== 'main') source.dataSource = target.dataSource;
    if (values.scope === 'selected') source.ids = selected;
    else source.filter = target.filter || {};
    const body = { accountId: values.accountId, templateId: values.templateId, source };
    if (values.from) body.from = values.from;
    if (values.sendAt) body.sendAt = values.sendAt.toISOString();
    setBusy(true);
    try {
      const made = (await mail.call('mailCampaigns:create', { values: body })).data;
      setDraft(made);
      if (made.counts.skipped > 0) {
        const answer = await mail.call('mailCampaignRecipients:list', {
          params: { filter: JSON.stringify({ campaignId: made.id, status: 'skipped' }), pageSize: 200 },
        });
        setSkipped(answer.data);
      }
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  const start = async () => {
    setBusy(true);
    try {
      const answer = await mail.call('mailCampaigns:update', { params: { filterByTk: draft.id }, values: { status: 'running' } });
      message.success(t('Mail merge started'));
      onClose(answer.data[0] || draft);
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  const discard = async () => {
    try {
      await mail.call('mailCampaigns:destroy', { params: { filterByTk: draft.id }, values: {} });
    } catch (error) {
      message.error(errorText(error));
    }
    onClose(null);
  };

  if (draft) {
    return (
      <Space direction="vertical" style={{ width: '100%' }} data-testid="mail-merge-summary">
        <Typography.Text strong data-testid="mail-merge-counts">
          {t('{{queued}} will get the message; {{skipped}} skipped.', { queued: draft.counts.queued, skipped: draft.counts.skipped })}
        </Typography.Text>
        <AllowanceNote allowance={allowance} count={draft.counts.queued} />
        {skipped.length > 0 && (
          <List size="small" bordered style={{ maxHeight: 240, overflow: 'auto' }} dataSource={skipped}
            renderItem={(r) => (
              <List.Item data-testid="mail-merge-skipped">
                <Space direction="vertical" size={0}>
                  <Typography.Text>{r.address || `#${r.recordId}`}</Typography.Text>
                  <Typography.Text type="secondary">{r.error}</Typography.Text>
                </Space>
              </List.Item>
            )} />
        )}
        <Space>
          <Button type="primary" loading={busy} disabled={!draft.counts.queued} onClick={start} data-testid="mail-merge-start">
            {draft.sendAt ? t('Start at the chosen time') : t('Start sending')}
          </Button>
          <Button onClick={() => onClose(draft)}>{t('Keep as draft')}</Button>
          <Button danger onClick={discard}>{t('Discard')}</Button>
        </Space>
      </Space>
    );
  }
  return (
    <Form form={form} layout="vertical" data-testid="mail-merge-form"
      initialValues={{ scope: selected.length ? 'selected' : 'all', emailField: target.emailField }}>
      <Form.Item name="scope" label={t('Send to')}>
        <Radio.Group data-testid="mail-merge-scope" options={[
          { value: 'selected', label: t('The {{count}} selected records', { count: selected.length }), disabled: !selected.length },
          { value: 'all', label: t('All records that match the table\'s filter') },
        ]} />
      </Form.Item>
      <Form.Item name="emailField" label={t('Email field')} rules={[{ required: true, message: t('Choose the field that holds the address.') }]}>
        <Select data-testid="mail-merge-field" options={target.fields} showSearch optionFilterProp="label" />
      </Form.Item>
      <Form.Item name="accountId" label={t('Mailbox')} rules={[{ required: true, message: t('Choose a mailbox.') }]}>
        <Select data-testid="mail-merge-account" options={accounts.map((a) => ({ value: a.id, label: a.email }))}
          notFoundContent={t('Connect a mailbox first (Email → My mail accounts).')} />
      </Form.Item>
      {identities.length > 1 && (
        <Form.Item name="from" label={t('From')}>
          <Select allowClear placeholder={account.email}
            options={identities.map((i) => ({ value: i.address, label: i.name ? `${i.name} <${i.address}>` : i.address }))} />
        </Form.Item>
      )}
      <Form.Item name="templateId" label={t('Template')} rules={[{ required: true, message: t('Choose a template.') }]}
        extra={t('Each message is filled from its own record: {{example}} and the record\'s other fields.', { example: '{{$nRecord.name}}' })}>
        <Select data-testid="mail-merge-template" options={templates.map((tpl) => ({ value: tpl.id, label: tpl.name }))}
          notFoundContent={t('Write a template first (Email → Templates).')} />
      </Form.Item>
      <Form.Item name="sendAt" label={t('Send at')} extra={t('Empty: as soon as you start it.')}>
        <DatePicker showTime />
      </Form.Item>
      <AllowanceNote allowance={allowance} count={scope === 'selected' ? selected.length : 0} />
      <Space style={{ marginTop: 16 }}>
        <Button type="primary" loading={busy} onClick={check} data-testid="mail-merge-check">{t('Check recipients')}</Button>
        <Button onClick={() => onClose(null)}>{t('Cancel')}</Button>
      </Space>
    </Form>
  );
}
