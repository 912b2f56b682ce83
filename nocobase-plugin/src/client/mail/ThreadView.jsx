// A conversation in the reading pane: its messages oldest first, the newest and the unread
// ones open, the others one line each until clicked; each open one is a MessageView with its
// own reply, reply all and forward. Above them, actions on the whole conversation.
import { DeleteOutlined, PaperClipOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Popconfirm, Select, Space, Spin, Typography, message } from 'antd';
import React, { useEffect, useRef, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { applyInBatches } from './bulk.mjs';
import { folderName } from './folderName';
import { MessageNotes } from './MessageNotes';
import { MessageView } from './MessageView';

const HIDDEN_ROLES = ['trash', 'spam'];

/** The messages a conversation shows: those in the trash or spam only when that folder is
 * the one being read (as Gmail shows a thread). */
function shown(messages, folders, openRole) {
  if (HIDDEN_ROLES.includes(openRole)) return messages;
  const hidden = new Set(folders.filter((f) => HIDDEN_ROLES.includes(f.role)).map((f) => f.id));
  const kept = messages.filter((m) => !(m.folderIds || []).some((id) => hidden.has(id)));
  return kept;
}

export function ThreadView({ id, folders, labels = [], openRole, ownAccountIds, onCompose, onChanged, command }) {
  const t = useT();
  const mail = useMailApi();
  const [thread, setThread] = useState(null);
  const [open, setOpen] = useState(new Set());
  const [version, setVersion] = useState(0);
  // Bumped when an action on the whole conversation changed its messages: the open ones
  // read themselves again, so their buttons say what they now are.
  const [wholeVersion, setWholeVersion] = useState(0);
  const [busy, setBusy] = useState(false);
  const opened = useRef(null);

  useEffect(() => {
    let live = true;
    mail.call('mailThreads:get', { params: { filterByTk: id } }).then((answer) => {
      if (!live) return;
      const data = answer.data;
      const messages = data ? shown(data.messages || [], folders, openRole) : [];
      if (!data || messages.length === 0) {
        setThread(false);
        if (opened.current === id) onChanged('removed');
        return;
      }
      setThread({ ...data, messages });
      // First look: the newest and the unread open. Later (a reply arrived, one was
      // moved): what the reader opened stays open, and the newest opens too.
      const newest = messages[messages.length - 1].id;
      setOpen((before) => {
        const next = opened.current === id ? new Set(before) : new Set(messages.filter((m) => !m.isRead).map((m) => m.id));
        next.add(newest);
        return next;
      });
      opened.current = id;
    }, (error) => message.error(errorText(error)));
    return () => { live = false; };
  }, [id, version, mail]); // eslint-disable-line react-hooks/exhaustive-deps

  // Actions on every message of the conversation; `what` tells the page whether the
  // conversation left the list ('moved', 'removed') or the reader left it ('closed': marked
  // unread, as in Gmail, since reading it again would mark it read).
  const whole = async (values, what) => {
    const ids = thread.messages.map((m) => m.id);
    setBusy(true);
    try {
      const { failed } = await applyInBatches(mail.call, ids, values);
      if (failed.length) message.error(t('{{count}} of {{total}} messages were refused: {{reason}}', { count: failed.length, total: ids.length, reason: failed[0].message }));
      const left = failed.length < ids.length && ['moved', 'removed', 'closed'].includes(what);
      onChanged(left ? what : undefined);
      if (!left) {
        setVersion((v) => v + 1);
        setWholeVersion((v) => v + 1);
      }
    } finally {
      setBusy(false);
    }
  };
  const archiveOf = (accountId) => folders.find((f) => f.accountId === accountId && f.role === 'archive');

  // Keyboard: archive and delete act on the whole conversation (as Gmail's e and # do); the
  // rest go to its newest message's view.
  const lastCommand = useRef(command);
  const [forNewest, setForNewest] = useState(null);
  useEffect(() => {
    if (!command || command === lastCommand.current || !thread) return;
    lastCommand.current = command;
    const own = ownAccountIds.has(thread.accountId);
    if (own && command.name === 'archive') {
      const archive = archiveOf(thread.accountId);
      if (archive) whole({ folderId: archive.id }, 'moved');
      else message.info(t('This mailbox has no Archive folder.'));
    } else if (own && command.name === 'delete') whole(null, 'removed');
    else setForNewest(command);
  }, [command, thread]); // eslint-disable-line react-hooks/exhaustive-deps

  if (thread === null) return <Spin style={{ margin: 48 }} />;
  if (thread === false) return <Empty description={t('No messages')} />;
  const messages = thread.messages;
  const own = ownAccountIds.has(thread.accountId);
  const newest = messages[messages.length - 1];
  const unread = messages.some((m) => !m.isRead);
  const archive = archiveOf(thread.accountId);
  // A message changed from its own buttons: the conversation is read again, the list too.
  const inner = () => {
    setVersion((v) => v + 1);
    onChanged();
  };

  return (
    <div data-testid="thread-view">
      <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="thread-subject">
        {thread.subject || t('(no subject)')} <Typography.Text type="secondary" style={{ fontSize: 14 }}>({messages.length})</Typography.Text>
      </Typography.Title>
      {own && (
        <Space wrap style={{ marginBottom: 12 }}>
          <Button disabled={busy} onClick={() => whole({ isRead: unread }, unread ? undefined : 'closed')} data-testid="thread-read">{unread ? t('Mark conversation read') : t('Mark conversation unread')}</Button>
          {archive && <Button disabled={busy} onClick={() => whole({ folderId: archive.id }, 'moved')}>{t('Archive')}</Button>}
          <Select placeholder={t('Move conversation to…')} style={{ width: 200 }} value={null} disabled={busy}
            options={folders.filter((f) => f.accountId === thread.accountId && !['drafts', 'sent', 'starred', 'important'].includes(f.role)).map((f) => ({ value: f.id, label: folderName(t, f) }))}
            onChange={(folderId) => whole({ folderId }, 'moved')} />
          <Popconfirm title={t('Move the whole conversation to the trash?')} onConfirm={() => whole(null, 'removed')} okText={t('Delete')} cancelText={t('Cancel')}>
            <Button danger disabled={busy} icon={<DeleteOutlined />} data-testid="thread-delete">{t('Delete conversation')}</Button>
          </Popconfirm>
        </Space>
      )}
      {messages.map((m) => (open.has(m.id)
        ? (
          <Card key={m.id} size="small" style={{ marginBottom: 12 }} data-testid="thread-message">
            <MessageView id={m.id} folders={folders} labels={labels} ownAccountIds={ownAccountIds} onCompose={onCompose} inThread
              onChanged={inner} command={m.id === newest.id ? forNewest : null} reload={wholeVersion} />
          </Card>
        )
        : (
          <Card key={m.id} size="small" hoverable style={{ marginBottom: 8, cursor: 'pointer' }} data-testid="thread-message-folded"
            onClick={() => setOpen((before) => new Set(before).add(m.id))}>
            <Space style={{ width: '100%', justifyContent: 'space-between' }}>
              <Typography.Text strong={!m.isRead}>{m.from ? (m.from.name || m.from.address) : ''}</Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {m.hasAttachments && <PaperClipOutlined style={{ marginRight: 4 }} />}{new Date(m.date).toLocaleString()}
              </Typography.Text>
            </Space>
            <Typography.Text type="secondary" ellipsis style={{ display: 'block' }}>{m.snippet}</Typography.Text>
          </Card>
        )))}
      {/* Notes on the whole conversation (a deal, a case), beside each message's own; like
          those, only for whoever may read the bodies (a snippet is null below that). */}
      {messages.some((m) => m.snippet !== null && m.snippet !== undefined) && (
        <MessageNotes threadId={thread.id} ownsMailbox={own} title={t('Notes on this conversation')} />
      )}
    </div>
  );
}
