// "My to-dos": the signed-in user's open to-dos on mail, soonest due first; "Open" shows
// the message or the conversation the to-do is on, with its notes, where it can be ticked
// off.
import { Button, Empty, List, Modal, message } from 'antd';
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';
import { useT } from '../locale';
import { MessageView } from './MessageView';
import { ThreadView } from './ThreadView';
import { NoteItem, useMyId } from './MessageNotes';
import { byDue } from './notesTime.mjs';

export function MyTodos({ accounts }) {
  const t = useT();
  const mail = useMailApi();
  const me = useMyId();
  const [todos, setTodos] = useState(null);
  // What is open: {messageId} or {threadId}.
  const [opened, setOpened] = useState(null);
  const ownAccountIds = useMemo(() => new Set(accounts.map((a) => a.id)), [accounts]);
  const load = useCallback(() => {
    if (me === null) return;
    mail.call('mailNotes:list', { params: { filter: filterParam({ isTodo: true, done: false, authorId: me }), pageSize: 200 } })
      .then((answer) => setTodos(answer.data.slice().sort(byDue)), (error) => { message.error(errorText(error)); setTodos([]); });
  }, [mail, me]);
  useEffect(load, [load]);
  if (todos && todos.length === 0) return <Empty description={t('No open to-dos. Add one under a message: Notes, then To-do.')} />;
  return (
    <div data-testid="my-todos">
      <List loading={!todos} bordered dataSource={todos || []} rowKey="id"
        renderItem={(note) => (
          <NoteItem note={note} me={me} ownsMailbox={ownAccountIds.has(note.accountId)} onChanged={load}
            extra={<Button size="small" type="link" onClick={() => setOpened(note.messageId ? { messageId: note.messageId } : { threadId: note.threadId })} data-testid="todo-open">{t('Open')}</Button>} />
        )} />
      <Modal open={Boolean(opened)} onCancel={() => { setOpened(null); load(); }} footer={null} width={900} destroyOnClose>
        {opened && opened.messageId && <MessageView id={opened.messageId} folders={[]} ownAccountIds={ownAccountIds} onCompose={() => {}} onChanged={() => {}} />}
        {opened && opened.threadId && <ThreadView id={opened.threadId} folders={[]} ownAccountIds={ownAccountIds} onCompose={() => {}}
          onChanged={(what) => { if (what === 'moved' || what === 'removed' || what === 'closed') setOpened(null); }} />}
      </Modal>
    </div>
  );
}
