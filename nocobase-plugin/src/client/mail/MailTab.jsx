// The mailbox: folders with unread counts, the list (conversations or single messages;
// search, unread and starred filters, pages, bulk actions), the open conversation or
// message, and compose.
import { EditOutlined } from '@ant-design/icons';
import { Badge, Button, Empty, Input, List, Menu, Modal, Pagination, Segmented, Select, Space, Switch, Typography, message } from 'antd';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';
import { useT } from '../locale';
import { Compose } from '../compose/Compose';
import { BulkBar } from './BulkBar';
import { DraftsList } from './DraftsList';
import { folderName } from './folderName';
import { LabelsMenu } from './LabelsMenu';
import { MailRow } from './MailRow';
import { MessageView } from './MessageView';
import { ThreadView } from './ThreadView';
import { useMailEvents } from './useMailEvents';
import { useLabels } from './useLabels';
import { useMessageList } from './useMessageList';
import { SHORTCUTS, useShortcuts } from './useShortcuts';

const PAGE_SIZE = 25;
// The reader's choice of conversations or single messages, kept in this browser.
const VIEW_KEY = 'emailManager.listView';
const savedConversations = () => {
  try {
    return window.localStorage.getItem(VIEW_KEY) !== 'messages';
  } catch {
    return true;
  }
};
const ROLE_ORDER = ['inbox', 'starred', 'important', 'sent', 'drafts', 'archive', 'spam', 'trash'];

function folderSort(a, b) {
  const ra = ROLE_ORDER.indexOf(a.role);
  const rb = ROLE_ORDER.indexOf(b.role);
  return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb) || a.name.localeCompare(b.name);
}

export function MailTab({ accounts }) {
  const t = useT();
  const mail = useMailApi();
  const [accountId, setAccountId] = useState(accounts[0] && accounts[0].id);
  const [folders, setFolders] = useState([]);
  const [folderId, setFolderId] = useState(null);
  // A label picked under the folders lists what carries it, in every folder.
  const [labelId, setLabelId] = useState(null);
  const [show, setShow] = useState('all');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState(null);
  const [conversations, setConversations] = useState(savedConversations);
  const [selected, setSelected] = useState(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [draft, setDraft] = useState(null);
  const [draftsVersion, setDraftsVersion] = useState(0);
  const ownAccountIds = useMemo(() => new Set(accounts.map((a) => a.id)), [accounts]);
  const ownAddress = (accounts.find((a) => a.id === accountId) || {}).email;

  const loadFolders = useCallback(() => {
    if (!accountId) return;
    mail.call('mailFolders:list', { params: { filter: filterParam({ accountId }), pageSize: 200 } }).then((answer) => {
      const sorted = answer.data.slice().sort(folderSort);
      setFolders(sorted);
      setFolderId((current) => (sorted.some((f) => f.id === current) ? current : (sorted.find((f) => f.role === 'inbox') || sorted[0] || {}).id || null));
    }, (error) => message.error(errorText(error)));
  }, [mail, accountId]);
  useEffect(loadFolders, [loadFolders]);
  const { labels, reload: reloadLabels } = useLabels(accountId);

  const conditions = [{ accountId }];
  if (labelId) conditions.push({ labelIds: { $includes: labelId } });
  else if (folderId && !query) conditions.push({ folderId });
  if (show === 'unread') conditions.push({ isRead: false });
  if (show === 'starred') conditions.push({ isStarred: true });
  const listAction = conversations ? 'mailThreads:list' : 'mailMessages:list';
  const { list, loading, reload: loadMessages } = useMessageList({
    filter: accountId ? { $and: conditions } : null, query, page, pageSize: PAGE_SIZE, action: listAction,
  });
  // A selection belongs to the list it was made in.
  const listKey = JSON.stringify([accountId, folderId, labelId, show, query, page, conversations]);
  useEffect(() => { setSelected(new Set()); setAllMatching(false); }, [listKey]);
  const switchView = (on) => {
    setConversations(on);
    setOpenId(null);
    setPage(1);
    try {
      window.localStorage.setItem(VIEW_KEY, on ? 'conversations' : 'messages');
    } catch {
      // A browser without storage forgets the choice; nothing else depends on it.
    }
  };

  // New mail, changes made elsewhere and sync progress show without a reload; a burst of
  // events makes one reload.
  // The timer calls the newest loaders: one from the render the event arrived in would
  // list what was shown then (the inbox, say, after the user has searched since), and as
  // the newest request its answer would win.
  const pending = useRef(null);
  const loaders = useRef(null);
  loaders.current = () => { loadMessages(); loadFolders(); reloadLabels(); };
  useEffect(() => () => clearTimeout(pending.current), []);
  useMailEvents(({ kind, data }) => {
    const ours = kind.startsWith('message.') && data && data.accountId === accountId;
    if (!ours && kind !== 'resync') return;
    clearTimeout(pending.current);
    pending.current = setTimeout(() => loaders.current(), 300);
  });

  const refresh = (what) => {
    if (what === 'moved' || what === 'removed' || what === 'closed') setOpenId(null);
    loadMessages();
    loadFolders();
    if (what === 'labels') reloadLabels();
  };

  // Gmail's user labels are folders too; they are listed once, under Labels.
  const menuFolders = folders.filter((f) => f.role || !labels.some((l) => l.providerId === f.providerId));
  const openRole = labelId ? null : (folders.find((f) => f.id === folderId) || {}).role;
  // The Drafts folder lists the provider's drafts, each editable and sendable here.
  const showDrafts = !query && openRole === 'drafts';
  // In mail the user sent (or is sending), a row names its recipients, not the user.
  const outgoing = ['sent', 'drafts', 'outbox'].includes(openRole);
  const who = (m) => {
    if (!outgoing) return m.from && (m.from.name || m.from.address);
    const names = [...(m.to || []), ...(m.cc || [])].map((r) => r.name || r.address);
    return names.length ? t('To: {{names}}', { names: names.join(', ') }) : t('(no recipients)');
  };

  // Keyboard: moving and opening here; acting on the open message is the view's (it
  // knows the message), told by `command`.
  const searchBox = useRef(null);
  const [command, setCommand] = useState(null);
  const [help, setHelp] = useState(false);
  const rows = list.data || [];
  const step = (by) => {
    if (!rows.length) return;
    const at = rows.findIndex((m) => m.id === openId);
    const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + by));
    setOpenId(rows[next].id);
  };
  const act = (name) => () => { if (openId) setCommand({ name, at: Date.now() }); };
  useShortcuts({
    j: () => step(1),
    k: () => step(-1),
    o: () => { if (!openId && rows.length) setOpenId(rows[0].id); },
    r: act('reply'),
    a: act('replyAll'),
    f: act('forward'),
    e: act('archive'),
    '#': act('delete'),
    s: act('star'),
    '/': () => searchBox.current && searchBox.current.focus(),
    c: () => setDraft({ accountId }),
    '?': () => setHelp(true),
  }, accounts.length > 0 && !showDrafts);

  if (!accounts.length) return <Empty description={t('Connect a mailbox first (the My mail accounts tab).')} />;
  return (
    <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
      <div style={{ width: 220, flex: 'none' }}>
        <Button type="primary" icon={<EditOutlined />} block style={{ marginBottom: 12 }} onClick={() => setDraft({ accountId })}>{t('Compose')}</Button>
        <Select style={{ width: '100%', marginBottom: 8 }} value={accountId} onChange={(id) => { setAccountId(id); setLabelId(null); setPage(1); setOpenId(null); }}
          options={accounts.map((a) => ({ value: a.id, label: a.email }))} />
        <Menu mode="inline" selectedKeys={folderId && !labelId ? [String(folderId)] : []} onClick={({ key }) => { setFolderId(Number(key)); setLabelId(null); setPage(1); setOpenId(null); }}
          items={menuFolders.map((f) => ({ key: String(f.id), label: <Space style={{ width: '100%', justifyContent: 'space-between' }}><span>{folderName(t, f)}</span>{f.unreadCount > 0 && <Badge count={f.unreadCount} overflowCount={9999} />}</Space> }))} />
        <LabelsMenu accountId={accountId} labels={labels} selected={labelId} own={ownAccountIds.has(accountId)}
          onSelect={(id) => { setLabelId(id); setPage(1); setOpenId(null); }} onChanged={() => { reloadLabels(); loadMessages(); }} />
      </div>
      <div style={{ width: 420, flex: 'none' }}>
        <Space direction="vertical" style={{ width: '100%', marginBottom: 8 }}>
          <Input.Search ref={searchBox} allowClear placeholder={t('Search mail')} onSearch={(text) => { setQuery(text.trim()); setPage(1); }} data-testid="mail-search" />
          <Space style={{ width: '100%', justifyContent: 'space-between' }}>
            <Segmented value={show} onChange={(value) => { setShow(value); setPage(1); }}
              options={[{ value: 'all', label: t('All') }, { value: 'unread', label: t('Unread') }, { value: 'starred', label: t('Starred') }]} />
            <Space size={4}>
              <Switch size="small" checked={conversations} onChange={switchView} data-testid="conversations-switch" />
              <Typography.Text>{t('Conversations')}</Typography.Text>
            </Space>
          </Space>
        </Space>
        {showDrafts ? <DraftsList accountId={accountId} version={draftsVersion} onOpen={(id) => setDraft({ accountId, draftId: id })} /> : (<>
        <BulkBar rows={list.data || []} selected={selected} setSelected={setSelected} allMatching={allMatching} setAllMatching={setAllMatching}
          total={list.meta.count || 0} listAction={listAction} conversations={conversations} folders={folders} labels={labels} onDone={(values) => refresh(!values || values.folderId ? 'removed' : undefined)}
          listParams={{ filter: filterParam({ $and: conditions }), sort: '-date', ...(query ? { q: query } : {}) }} />
        <List
          loading={loading}
          bordered
          dataSource={list.data}
          locale={{ emptyText: conversations ? t('No conversations') : t('No messages') }}
          renderItem={(row) => (
            <MailRow row={row} conversation={conversations} who={who} open={row.id === openId} ownAddress={ownAddress} labels={labels}
              selected={selected.has(row.id)} onOpen={() => setOpenId(row.id)}
              onSelect={(checked) => setSelected((before) => {
                const next = new Set(before);
                if (checked) next.add(row.id);
                else next.delete(row.id);
                return next;
              })} />
          )}
        />
        <Pagination style={{ marginTop: 8 }} size="small" current={page} pageSize={PAGE_SIZE} total={list.meta.count} showSizeChanger={false} onChange={setPage} />
        </>)}
      </div>
      <div style={{ flex: 1, minWidth: 0 }}>
        {openId && conversations && <ThreadView key={openId} id={openId} folders={folders} labels={labels} openRole={openRole} ownAccountIds={ownAccountIds} onCompose={setDraft} onChanged={refresh} command={command} />}
        {openId && !conversations && <MessageView id={openId} folders={folders} labels={labels} ownAccountIds={ownAccountIds} onCompose={setDraft} onChanged={refresh} command={command} />}
        {!openId && <Empty description={conversations ? t('Select a conversation to read it') : t('Select a message to read it')} />}
      </div>
      <Modal open={help} onCancel={() => setHelp(false)} footer={null} title={t('Keyboard shortcuts')} data-testid="shortcut-help">
        <List size="small" dataSource={SHORTCUTS} renderItem={([key, what]) => (
          <List.Item><Typography.Text keyboard>{key}</Typography.Text> {t(what)}</List.Item>
        )} />
      </Modal>
      <Compose start={draft} accounts={accounts} onClose={() => { setDraft(null); setDraftsVersion((v) => v + 1); }}
        onSent={() => { setDraft(null); setDraftsVersion((v) => v + 1); refresh(); }} />
    </div>
  );
}
