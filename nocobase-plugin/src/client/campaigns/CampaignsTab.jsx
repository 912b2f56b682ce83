// Email → Mail merge: the user's campaigns, each with its progress watched live while it
// runs, the changes its status allows (start, pause, resume, cancel, delete a draft), and
// its recipients with what became of each (sent, failed or skipped, and why); below, the
// organisation's opt-out list.
import { Button, Empty, List, Popconfirm, Progress, Segmented, Space, Table, Tag, Typography, message } from 'antd';
import React, { useCallback, useEffect, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';
import { msg, useT } from '../locale';
import { isLive, progress, statusActions } from './campaignPlan.mjs';
import { OptOuts } from './OptOuts';

/** How often a running campaign is read again. */
const WATCH_MS = 3000;

const STATUS_COLOURS = { draft: 'default', running: 'processing', paused: 'warning', done: 'success', cancelled: 'default' };
const RECIPIENT_COLOURS = { queued: 'default', sent: 'success', failed: 'error', skipped: 'warning' };

function Recipients({ campaign }) {
  const t = useT();
  const mail = useMailApi();
  const [status, setStatus] = useState('all');
  const [page, setPage] = useState(1);
  const [answer, setAnswer] = useState({ data: [], meta: { count: 0 } });
  const load = useCallback(() => {
    const filter = { campaignId: campaign.id };
    if (status !== 'all') filter.status = status;
    return mail.call('mailCampaignRecipients:list', { params: { filter: filterParam(filter), page, pageSize: 20 } })
      .then(setAnswer, (error) => message.error(errorText(error)));
  }, [mail, campaign.id, status, page]);
  // Read again whenever the campaign's counts move.
  useEffect(() => { load(); }, [load, campaign.counts.sent, campaign.counts.failed, campaign.counts.skipped]);
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="campaign-recipients">
      <Segmented value={status} onChange={(value) => { setStatus(value); setPage(1); }} options={[
        { value: 'all', label: t('All') },
        { value: 'queued', label: t('Queued') },
        { value: 'sent', label: t('Sent') },
        { value: 'failed', label: t('Failed') },
        { value: 'skipped', label: t('Skipped') },
      ]} />
      <Table size="small" rowKey="id" dataSource={answer.data}
        pagination={{ current: page, pageSize: 20, total: answer.meta.count, onChange: setPage, showSizeChanger: false }}
        onRow={() => ({ 'data-testid': 'campaign-recipient' })}
        columns={[
          { title: t('Address'), dataIndex: 'address', render: (value, row) => value || `#${row.recordId}` },
          { title: t('Status'), dataIndex: 'status', render: (value) => <Tag color={RECIPIENT_COLOURS[value]}>{t(statusLabel(value))}</Tag> },
          { title: t('Why'), dataIndex: 'error', render: (value) => value || '' },
          { title: t('Sent at'), dataIndex: 'sentAt', render: (value) => (value ? new Date(value).toLocaleString() : '') },
        ]} />
    </Space>
  );
}

/** The words for a status, as this plugin's strings hold them. */
function statusLabel(status) {
  return {
    draft: msg('Draft'), running: msg('Running'), paused: msg('Paused'), done: msg('Done'), cancelled: msg('Cancelled'),
    queued: msg('Queued'), sent: msg('Sent'), failed: msg('Failed'), skipped: msg('Skipped'),
  }[status] || status;
}

function CampaignItem({ campaign, accounts, onChanged }) {
  const t = useT();
  const mail = useMailApi();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(null);
  const account = accounts.find((a) => a.id === campaign.accountId);
  const act = async (action) => {
    setBusy(action.key);
    try {
      if (action.destroy) {
        await mail.call('mailCampaigns:destroy', { params: { filterByTk: campaign.id }, values: {} });
      } else {
        await mail.call('mailCampaigns:update', { params: { filterByTk: campaign.id }, values: { status: action.status } });
      }
      onChanged();
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setBusy(null);
    }
  };
  const labels = { start: t('Start sending'), pause: t('Pause'), resume: t('Resume'), cancel: t('Cancel the rest'), delete: t('Delete') };
  const buttons = statusActions(campaign.status).map((action) => {
    const button = (
      <Button key={action.key} size="small" danger={action.key === 'cancel' || action.key === 'delete'} loading={busy === action.key}
        onClick={action.key === 'cancel' || action.key === 'delete' ? undefined : () => act(action)} data-testid={`campaign-${action.key}`}>
        {labels[action.key]}
      </Button>
    );
    if (action.key !== 'cancel' && action.key !== 'delete') return button;
    return (
      <Popconfirm key={action.key} title={action.key === 'cancel' ? t('Skip every recipient not sent yet?') : t('Delete this draft?')} onConfirm={() => act(action)}>
        {button}
      </Popconfirm>
    );
  });
  const { counts } = campaign;
  const total = counts.queued + counts.sent + counts.failed + counts.skipped;
  return (
    <List.Item data-testid="campaign-row" data-status={campaign.status} actions={[
      ...buttons,
      <Button key="recipients" size="small" type="link" onClick={() => setOpen(!open)} data-testid="campaign-open">
        {open ? t('Hide recipients') : t('Recipients')}
      </Button>,
    ]}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <Typography.Text strong>{campaign.subject}</Typography.Text>
          <Tag color={STATUS_COLOURS[campaign.status]} data-testid="campaign-status">{t(statusLabel(campaign.status))}</Tag>
          <Typography.Text type="secondary">
            {[campaign.source && campaign.source.collection, campaign.from || (account && account.email), new Date(campaign.createdAt).toLocaleString()].filter(Boolean).join(' · ')}
          </Typography.Text>
          {campaign.sendAt && campaign.status !== 'done' && (
            <Typography.Text type="secondary">{t('Starts {{at}}', { at: new Date(campaign.sendAt).toLocaleString() })}</Typography.Text>
          )}
        </Space>
        <Progress percent={progress(counts)} size="small" status={campaign.status === 'running' ? 'active' : undefined}
          success={{ percent: total ? Math.floor((counts.sent * 100) / total) : 0 }} />
        <Typography.Text data-testid="campaign-counts">
          {t('{{sent}} sent, {{queued}} queued, {{failed}} failed, {{skipped}} skipped', counts)}
        </Typography.Text>
        {open && <Recipients campaign={campaign} />}
      </Space>
    </List.Item>
  );
}

export function CampaignsTab({ accounts }) {
  const t = useT();
  const mail = useMailApi();
  const [campaigns, setCampaigns] = useState(null);
  const load = useCallback(() => mail.call('mailCampaigns:list', { params: { pageSize: 100 } })
    .then((answer) => setCampaigns(answer.data), (error) => { message.error(errorText(error)); setCampaigns([]); }), [mail]);
  useEffect(() => { load(); }, [load]);
  // Watched while one runs: its counts move as the outbox sends.
  const watching = (campaigns || []).some((c) => isLive(c.status));
  useEffect(() => {
    if (!watching) return undefined;
    const timer = setInterval(load, WATCH_MS);
    return () => clearInterval(timer);
  }, [watching, load]);
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large" data-testid="campaigns-tab">
      <Typography.Paragraph type="secondary">
        {t('A mail merge sends a template to the records of a table, each message filled from its own record. Start one with "Mail merge" in a table\'s actions; it is paced to the mailbox\'s sending limits.')}
      </Typography.Paragraph>
      {campaigns && campaigns.length === 0 ? <Empty description={t('No mail merges yet')} /> : (
        <List bordered loading={!campaigns} dataSource={campaigns || []}
          renderItem={(campaign) => <CampaignItem campaign={campaign} accounts={accounts} onChanged={load} />} />
      )}
      <OptOuts />
    </Space>
  );
}
