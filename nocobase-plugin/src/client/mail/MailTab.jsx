// The mailbox: folders with unread counts, the message list (search, unread and starred
// filters, pages), the open message, and compose.
import { EditOutlined, PaperClipOutlined, StarFilled } from '@ant-design/icons';
import { Badge, Button, Empty, Input, List, Menu, Modal, Pagination, Segmented, Select, Space, Typography, message } from 'antd';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';
import { useT } from '../locale';
import { Compose } from '../compose/Compose';
import { DraftsList } from './DraftsList';
import { folderName } from './folderName';
import { MessageView } from './MessageView';
import { useMailEvents } from './useMailEvents';
import { useMessageList } from './useMessageList';
import { SHORTCUTS, useShortcuts } from './useShortcuts';

const PAGE_SIZE = 25;
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
  const [show, setShow] = useState('all');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState(null);
  const [draft, setDraft] = useState(null);
  const [draftsVersion, setDraftsVersion] = useState(0);
  const ownAccountIds = useMemo(() => new Set(accounts.map((a) => a.id)), [accounts]);

  const loadFolders = useCallback(() => {
    if (!accountId) return;
    mail.call('mailFolders:list', { params: { filter: filterParam({ accountId }), pageSize: 200 } }).then((answer) => {
      const sorted = answer.data.slice().sort(folderSort);
      setFolders(sorted);
      setFolderId((current) => (sorted.some((f) => f.id === current) ? current : (sorted.find((f) => f.role === 'inbox') || sorted[0] || {}).id || null));
    }, (error) => message.error(errorText(error)));
  }, [mail, accountId]);
  useEffect(loadFolders, [loadFolders]);

  const conditions = [{ accountId }];
  if (folderId && !query) conditions.push({ folderId });
  if (show === 'unread') conditions.push({ isRead: false });
  if (show === 'starred') conditions.push({ isStarred: true });
  const { list, loading, reload: loadMessages } = useMessageList({
    filter: accountId ? { $and: conditions } : null, query, page, pageSize: PAGE_SIZE,
  });

  // New mail, changes made elsewhere and sync progress show without a reload; a burst of
  // events makes one reload.
  const pending = useRef(null);
  useEffect(() => () => clearTimeout(pending.current), []);
  useMailEvents(({ kind, data }) => {
    const ours = kind.startsWith('message.') && data && data.accountId === accountId;
    if (!ours && kind !== 'resync') return;
    clearTimeout(pending.current);
    pending.current = setTimeout(() => { loadMessages(); loadFolders(); }, 300);
  });

  const refresh = (what) => {
    if (what === 'moved' || what === 'removed') setOpenId(null);
    loadMessages();
    loadFolders();
  };

  const openRole = (folders.find((f) => f.id === folderId) || {}).role;
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
        <Select style={{ width: '100%', marginBottom: 8 }} value={accountId} onChange={(id) => { setAccountId(id); setPage(1); setOpenId(null); }}
          options={accounts.map((a) => ({ value: a.id, label: a.email }))} />
        <Menu mode="inline" selectedKeys={folderId ? [String(folderId)] : []} onClick={({ key }) => { setFolderId(Number(key)); setPage(1); setOpenId(null); }}
          items={folders.map((f) => ({ key: String(f.id), label: <Space style={{ width: '100%', justifyContent: 'space-between' }}><span>{folderName(t, f)}</span>{f.unreadCount > 0 && <Badge count={f.unreadCount} overflowCount={9999} />}</Space> }))} />
      </div>
      <div style={{ width: 420, flex: 'none' }}>
        <Space direction="vertical" style={{ width: '100%', marginBottom: 8 }}>
          <Input.Search ref={searchBox} allowClear placeholder={t('Search mail')} onSearch={(text) => { setQuery(text.trim()); setPage(1); }} data-testid="mail-search" />
          <Segmented value={show} onChange={(value) => { setShow(value); setPage(1); }}
            options={[{ value: 'all', label: t('All') }, { value: 'unread', label: t('Unread') }, { value: 'starred', label: t('Starred') }]} />
        </Space>
        {showDrafts ? <DraftsList accountId={accountId} version={draftsVersion} onOpen={(id) => setDraft({ accountId, draftId: id })} /> : (<>
        <List
          loading={loading}
          bordered
          dataSource={list.data}
          locale={{ emptyText: t('No messages') }}
          renderItem={(m) => (
            <List.Item onClick={() => setOpenId(m.id)} data-testid="message-row"
              style={{ cursor: 'pointer', background: m.id === openId ? '#e6f4ff' : undefined, fontWeight: m.isRead ? 'normal' : 600 }}>
              <div style={{ width: '100%', minWidth: 0 }}>
                <Space style={{ width: '100%', justifyContent: 'space-between' }}>
                  <Typography.Text ellipsis style={{ maxWidth: 260, fontWeight: 'inherit' }} data-testid="message-row-who">{who(m)}</Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>{new Date(m.date).toLocaleDateString()}</Typography.Text>
                </Space>
                <div>
                  {m.isStarred && <StarFilled style={{ color: '#faad14', marginRight: 4 }} />}
                  {m.hasAttachments && <PaperClipOutlined style={{ marginRight: 4 }} />}
                  <Typography.Text ellipsis style={{ maxWidth: 360, fontWeight: 'inherit' }}>{m.subject || t('(no subject)')}</Typography.Text>
                </div>
                <Typography.Text type="secondary" ellipsis style={{ maxWidth: 380, fontSize: 12 }}>{m.snippet}</Typography.Text>
              </div>
            </List.Item>
          )}
        />
        <Pagination style={{ marginTop: 8 }} size="small" current={page} pageSize={PAGE_SIZE} total={list.meta.count} showSizeChanger={false} onChange={setPage} />
        </>)}
      </div>
      <div style={{ flex: 1, minWidth: 0 }}>
        {openId
          ? <MessageView id={openId} folders={folders} ownAccountIds={ownAccountIds} onCompose={setDraft} onChanged={refresh} command={command} />
          : <Empty description={t('Select a message to read it')} />}
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
