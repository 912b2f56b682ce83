// Notes and to-dos under an open message or conversation (`mailNotes`): who wrote each and when, a to-do's
// due date and done box, and a form to add one. Shown wherever the message opens (the
// mail page, a record's Emails block); the service shows them to whoever may read the
// message's body, and lets only a note's author change it.
import { CheckSquareOutlined, DeleteOutlined } from '@ant-design/icons';
import { useCurrentUserContext } from '@nocobase/client';
import { Button, Checkbox, Input, List, Popconfirm, Space, Tag, Typography, message } from 'antd';
import React, { useCallback, useEffect, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';
import { useT } from '../locale';
import { dueLabel, isOverdue } from './notesTime.mjs';

/** The signed-in NocoBase user's id. */
export function useMyId() {
  const current = useCurrentUserContext();
  return current && current.data && current.data.data ? current.data.data.id : null;
}

/** One note: text, author and time, and for a to-do its due date and done box. */
export function NoteItem({ note, me, ownsMailbox, onChanged, extra }) {
  const t = useT();
  const mail = useMailApi();
  const mine = note.authorId === me;
  // Ticked at once, not after the round trip; put back if the service refuses.
  const [done, setDone] = useState(note.done);
  useEffect(() => setDone(note.done), [note.done]);
  const update = async (values) => {
    if ('done' in values) setDone(values.done);
    try {
      await mail.call('mailNotes:update', { params: { filterByTk: note.id }, values });
      onChanged();
    } catch (error) {
      setDone(note.done);
      message.error(errorText(error));
    }
  };
  const remove = async () => {
    try {
      await mail.call('mailNotes:destroy', { params: { filterByTk: note.id }, values: {} });
      onChanged();
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const actions = [];
  if (mine || ownsMailbox) {
    actions.push(
      <Popconfirm key="remove" title={t('Delete this note?')} onConfirm={remove} okText={t('Delete')} cancelText={t('Cancel')}>
        <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('Delete')} />
      </Popconfirm>,
    );
  }
  return (
    <List.Item actions={actions} data-testid="note">
      <Space direction="vertical" size={0} style={{ width: '100%' }}>
        <Space align="start">
          {note.isTodo && (
            <Checkbox checked={done} disabled={!mine} onChange={(e) => update({ done: e.target.checked })} data-testid="note-done" />
          )}
          <Typography.Text delete={note.isTodo && done} style={{ whiteSpace: 'pre-wrap' }} data-testid="note-text">{note.text}</Typography.Text>
        </Space>
        <Space size={4} wrap>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {mine ? t('You') : (note.authorName || t('User {{id}}', { id: note.authorId }))} · {new Date(note.createdAt).toLocaleString()}
          </Typography.Text>
          {note.isTodo && note.dueAt && (
            <Tag color={!done && isOverdue(note.dueAt) ? 'red' : 'default'} data-testid="note-due">{t('Due {{date}}', { date: dueLabel(note.dueAt) })}</Tag>
          )}
          {extra}
        </Space>
      </Space>
    </List.Item>
  );
}

/** Notes on one message (`messageId`) or on a whole conversation (`threadId`). */
export function MessageNotes({ messageId, threadId, ownsMailbox, title }) {
  const t = useT();
  const mail = useMailApi();
  const me = useMyId();
  const [notes, setNotes] = useState([]);
  const [text, setText] = useState('');
  const [isTodo, setIsTodo] = useState(false);
  const [due, setDue] = useState('');
  const [saving, setSaving] = useState(false);
  const about = messageId ? { messageId } : { threadId };
  const load = useCallback(() => {
    mail.call('mailNotes:list', { params: { filter: filterParam(messageId ? { messageId } : { threadId }), pageSize: 200 } })
      .then((answer) => setNotes(answer.data), (error) => message.error(errorText(error)));
  }, [mail, messageId, threadId]);
  useEffect(load, [load]);
  const add = async () => {
    setSaving(true);
    try {
      const values = { ...about, text };
      if (isTodo) {
        values.isTodo = true;
        if (due) values.dueAt = due;
      }
      await mail.call('mailNotes:create', { values });
      setText('');
      setIsTodo(false);
      setDue('');
      load();
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <div style={{ marginTop: 16 }} data-testid={threadId ? 'thread-notes' : 'message-notes'}>
      <Typography.Title level={5}>{title || t('Notes')}</Typography.Title>
      {notes.length > 0 && (
        <List size="small" dataSource={notes} rowKey="id"
          renderItem={(note) => <NoteItem note={note} me={me} ownsMailbox={ownsMailbox} onChanged={load} />} />
      )}
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input.TextArea value={text} onChange={(e) => setText(e.target.value)} autoSize={{ minRows: 1, maxRows: 6 }}
          maxLength={10000} placeholder={t('Add a note for your team')} data-testid="note-input" />
        <Space wrap>
          <Checkbox checked={isTodo} onChange={(e) => setIsTodo(e.target.checked)} data-testid="note-todo">
            <CheckSquareOutlined /> {t('To-do')}
          </Checkbox>
          {isTodo && (
            <Input type="date" size="small" value={due} onChange={(e) => setDue(e.target.value)} style={{ width: 160 }}
              aria-label={t('Due date')} data-testid="note-due-input" />
          )}
          <Button size="small" type="primary" disabled={!text.trim()} loading={saving} onClick={add} data-testid="note-add">{t('Add note')}</Button>
        </Space>
      </Space>
    </div>
  );
}
