// One row of the mail list: a message, or (in conversations) a thread with its people, how
// many messages it holds and its newest snippet. A checkbox selects it for bulk actions.
import { PaperClipOutlined, StarFilled } from '@ant-design/icons';
import { Checkbox, List, Space, Typography } from 'antd';
import React from 'react';
import { useT } from '../locale';
import { LabelTags } from './LabelTags';

/** Who a conversation is with: its people but the mailbox's own address (Gmail's "me" is
 * left out; a conversation with oneself names oneself). */
export function threadPeople(thread, ownAddress) {
  const own = String(ownAddress || '').toLowerCase();
  const people = thread.participants || [];
  const others = people.filter((p) => String(p.address).toLowerCase() !== own);
  return (others.length ? others : people).map((p) => p.name || p.address);
}

export function MailRow({ row, conversation, who, open, selected, onOpen, onSelect, ownAddress, labels = [] }) {
  const t = useT();
  const unread = conversation ? row.unreadCount > 0 : !row.isRead;
  const date = conversation ? row.lastDate : row.date;
  const name = conversation ? threadPeople(row, ownAddress).join(', ') : who(row);
  return (
    <List.Item onClick={onOpen} data-testid={conversation ? 'thread-row' : 'message-row'} data-row-id={row.id}
      style={{ cursor: 'pointer', background: open ? '#e6f4ff' : selected ? '#f5f5f5' : undefined, fontWeight: unread ? 600 : 'normal', alignItems: 'flex-start' }}>
      <Checkbox checked={selected} onClick={(event) => event.stopPropagation()} onChange={(event) => onSelect(event.target.checked)}
        style={{ marginRight: 8, marginTop: 2 }} data-testid="row-select" aria-label={t('Select')} />
      <div style={{ width: '100%', minWidth: 0 }}>
        <Space style={{ width: '100%', justifyContent: 'space-between' }}>
          <Typography.Text ellipsis style={{ maxWidth: 250, fontWeight: 'inherit' }} data-testid="message-row-who">
            {name}
            {conversation && row.messageCount > 1 && <Typography.Text type="secondary" style={{ marginLeft: 4, fontWeight: 'normal' }} data-testid="thread-row-count">{row.messageCount}</Typography.Text>}
          </Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{new Date(date).toLocaleDateString()}</Typography.Text>
        </Space>
        <div>
          {row.isStarred && <StarFilled style={{ color: '#faad14', marginRight: 4 }} />}
          {row.hasAttachments && <PaperClipOutlined style={{ marginRight: 4 }} />}
          <LabelTags ids={row.labelIds} labels={labels} />
          <Typography.Text ellipsis style={{ maxWidth: 340, fontWeight: 'inherit' }}>{row.subject || t('(no subject)')}</Typography.Text>
        </div>
        <Typography.Text type="secondary" ellipsis style={{ maxWidth: 360, fontSize: 12 }}>{row.snippet}</Typography.Text>
      </div>
    </List.Item>
  );
}
