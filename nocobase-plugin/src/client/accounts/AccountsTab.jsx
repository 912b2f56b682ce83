// "My mail accounts": connect Gmail, Outlook or any other mailbox by IMAP, watch each mailbox
// provider stops accepting the grant, sync now, share, disconnect.
import { GoogleOutlined, MailOutlined, WindowsOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, List, Popconfirm, Progress, Space, Tag, Tooltip, Typography, message } from 'antd';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { useMailEvents } from '../mail/useMailEvents';
import { errorText, serviceDown, useMailApi } from '../api';
import { ServiceDown } from '../ServiceDown';
import { useT } from '../locale';
import { ImapDialog } from './ImapDialog';
import { ShareDialog } from './ShareDialog';
import { syncProgress } from './syncProgress.mjs';

const STATUS_COLORS = { active: 'green', syncing: 'blue', needs_reauth: 'orange', error: 'red', disabled: 'default' };

/** Where the provider sends the browser back to: this tab. */
function returnUrl() {
  const url = new URL(window.location.href);
  url.search = '?tab=accounts';
  return url.toString();
}

/** The outcome the OAuth callback put in the address, read once. */
function useConnectOutcome() {
  const [outcome] = useState(() => {
    const params = new URLSearchParams(window.location.search);
    const status = params.get('status');
    if (!status) return null;
    const cleaned = new URL(window.location.href);
    ['status', 'code', 'mailAccountId'].forEach((name) => cleaned.searchParams.delete(name));
    window.history.replaceState(null, '', cleaned.toString());
    return { status, code: params.get('code') };
  });
  return outcome;
}

/** Whether new mail is pushed (seconds) or polled (minutes), and why not pushed. */
/** A running sync: "1,200 of 5,000 (24%)" with its bar, or what it does when there is no
 * total to count up to. */
function SyncLine({ progress, t }) {
  const n = (value) => value.toLocaleString();
  if (progress.total === null) {
    return (
      <div data-testid="account-sync">
        <Typography.Text type="secondary">
          {progress.phase === 'initial' ? t('Importing: {{done}} messages so far', { done: n(progress.done) }) : t('Checking for changes…')}
        </Typography.Text>
      </div>
    );
  }
  const words = t('{{done}} of {{total}} ({{percent}}%)', { done: n(progress.done), total: n(progress.total), percent: progress.percent });
  return (
    <div data-testid="account-sync" style={{ maxWidth: 420 }}>
      <Progress percent={progress.percent} size="small" format={() => words} />
    </div>
  );
}

function PushTag({ push, t }) {
  if (!push || push.status === 'pending') return null;
  if (push.status === 'off') {
    // No push set up for this provider (Gmail without a Pub/Sub topic): polled, and said so.
    return <Tooltip title={t('New mail is checked for every few minutes: push is not set up for this provider.')}><Tag data-testid="account-push">{t('Polling')}</Tag></Tooltip>;
  }
  if (push.status === 'active') {
    return <Tooltip title={t('The provider tells us about new mail as it arrives.')}><Tag color="cyan" data-testid="account-push">{t('Live')}</Tag></Tooltip>;
  }
  return (
    <Tooltip title={`${t('New mail is checked for every few minutes: push could not be set up.')} ${push.lastError || ''}`}>
      <Tag data-testid="account-push">{t('Polling')}</Tag>
    </Tooltip>
  );
}

export function AccountsTab() {
  const t = useT();
  const mail = useMailApi();
  const [accounts, setAccounts] = useState(null);
  const [busy, setBusy] = useState(null);
  const [sharing, setSharing] = useState(null);
  // The IMAP dialog: `{}` to connect one, `{email}` to reconnect that mailbox.
  const [imap, setImap] = useState(null);
  const outcome = useConnectOutcome();

  const [down, setDown] = useState(false);
  const load = useCallback(() => mail.call('mailAccounts:list', { params: { pageSize: 200 } })
    .then((answer) => { setDown(false); setAccounts(answer.data); }, (error) => {
      if (serviceDown(error)) setDown(true);
      else message.error(errorText(error));
    }), [mail]);
  useEffect(() => { load(); }, [load]);
  // Status and sync progress come as live events (a burst makes one reload); without the
  // stream, a syncing mailbox's progress is polled.
  const pending = useRef(null);
  useEffect(() => () => clearTimeout(pending.current), []);
  const live = useMailEvents(({ kind }) => {
    if (kind !== 'account.updated' && kind !== 'resync') return;
    clearTimeout(pending.current);
    pending.current = setTimeout(load, 300);
  });
  const syncing = (accounts || []).some((a) => a.status === 'syncing' || (a.sync && a.sync.phase !== 'idle'));
  useEffect(() => {
    if (!syncing || live) return undefined;
    const timer = setInterval(load, 2000);
    return () => clearInterval(timer);
  }, [syncing, live, load]);

  const act = async (key, body) => {
    setBusy(key);
    try {
      await body();
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setBusy(null);
    }
  };
  const connect = (provider, loginHint) => (provider === 'imap' ? setImap({ email: loginHint }) : act(`connect-${provider}`, async () => {
    const answer = await mail.call('mailAccounts:authorize', { values: { provider, returnUrl: returnUrl(), ...(loginHint ? { loginHint } : {}) } });
    window.location.assign(answer.data.url);
  }));
  const syncNow = (account) => act(`sync-${account.id}`, async () => {
    await mail.call('mailAccounts:sync', { params: { filterByTk: account.id }, values: {} });
    message.success(t('Sync started'));
    load();
  });
  const disconnect = (account) => act(`remove-${account.id}`, async () => {
    await mail.call('mailAccounts:destroy', { params: { filterByTk: account.id }, values: {} });
    message.success(t('Disconnected'));
    load();
  });

  if (down) return <ServiceDown onRetry={load} />;
  return (
    <div>
      {outcome && outcome.status === 'connected' && <Alert type="success" showIcon closable style={{ marginBottom: 16 }} message={t('Mailbox connected. Your mail is being synchronized.')} />}
      {outcome && outcome.status === 'error' && <Alert type="error" showIcon closable style={{ marginBottom: 16 }} message={t('The mailbox was not connected')} description={t(`connect.${outcome.code}`, { defaultValue: outcome.code })} />}
      <Space style={{ marginBottom: 16 }}>
        <Button icon={<GoogleOutlined />} onClick={() => connect('google')} loading={busy === 'connect-google'}>{t('Connect Gmail')}</Button>
        <Button icon={<WindowsOutlined />} onClick={() => connect('microsoft')} loading={busy === 'connect-microsoft'}>{t('Connect Outlook')}</Button>
        <Button icon={<MailOutlined />} onClick={() => setImap({})} data-testid="connect-imap">{t('Connect other mail (IMAP)')}</Button>
      </Space>
      {accounts && accounts.length === 0 && <Empty description={t('No mailbox connected yet.')} />}
      {accounts && accounts.length > 0 && (
        <List
          bordered
          dataSource={accounts}
          rowKey="id"
          renderItem={(account) => {
            const progress = syncProgress(account.sync);
            return (
              <List.Item
                data-testid={`account-${account.email}`}
                actions={[
                  account.status === 'needs_reauth'
                    ? <Button type="primary" key="reconnect" onClick={() => connect(account.provider, account.email)}>{t('Reconnect')}</Button>
                    : <Button key="sync" onClick={() => syncNow(account)} loading={busy === `sync-${account.id}`}>{t('Sync now')}</Button>,
                  <Tooltip key="share" title={account.visibility === 'private' ? t('Only you see this mailbox.') : `${t(`visibility.${account.visibility}`)}: ${(account.sharedWithRoles || []).join(', ')}`}>
                    <Button onClick={() => setSharing(account)} data-testid="account-share">
                      {account.visibility === 'private' ? t('visibility.private') : t('Shared')}
                    </Button>
                  </Tooltip>,
                  <Popconfirm key="remove" title={t('Disconnect this mailbox? Its mail is removed from NocoBase; nothing is deleted at the provider.')}
                    onConfirm={() => disconnect(account)} okText={t('Disconnect')} cancelText={t('Cancel')}>
                    <Button danger>{t('Disconnect')}</Button>
                  </Popconfirm>,
                ]}
              >
                <List.Item.Meta
                  avatar={{ google: <GoogleOutlined style={{ fontSize: 24 }} />, microsoft: <WindowsOutlined style={{ fontSize: 24 }} /> }[account.provider] || <MailOutlined style={{ fontSize: 24 }} />}
                  title={<Space>{account.email}<Tag color={STATUS_COLORS[account.status]} data-testid="account-status">{t(`status.${account.status}`)}</Tag><PushTag push={account.push} t={t} /></Space>}
                  description={
                    <div>
                      <Typography.Text type="secondary">
                        {t('{{count}} messages, {{unread}} unread', { count: account.messageCount, unread: account.unreadCount })}
                        {account.lastSyncAt ? ` · ${t('last synced')} ${new Date(account.lastSyncAt).toLocaleString()}` : ''}
                      </Typography.Text>
                      {progress && <SyncLine progress={progress} t={t} />}
                      {account.lastError && <Typography.Paragraph type="danger" style={{ marginBottom: 0 }}>{account.lastError.code}: {account.lastError.message}</Typography.Paragraph>}
                    </div>
                  }
                />
              </List.Item>
            );
          }}
        />
      )}
      <ImapDialog open={imap} onClose={() => setImap(null)}
        onConnected={() => { setImap(null); load(); }}
        onUseOAuth={(provider, email) => { setImap(null); connect(provider, email); }} />
      <ShareDialog account={sharing} onClose={() => setSharing(null)} onSaved={() => { setSharing(null); load(); }} />
    </div>
  );
}
