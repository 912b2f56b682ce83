// The envelope in NocoBase's top bar, next to the other pinned plugins: opens the mail
// page, and carries the unread count of the user's own mailboxes, kept live by the event
// stream.
import { MailOutlined } from '@ant-design/icons';
import { PinnedPluginListProvider, SchemaComponentOptions } from '@nocobase/client';
import { Badge, Button, Tooltip } from 'antd';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMailApi } from './api';
import { useT } from './locale';
import { useMailEvents } from './mail/useMailEvents';

export const MAIL_PATH = '/admin/email-manager';

/** Unread mail in the user's own mailboxes; null until known or when the service is down. */
function useUnread() {
  const mail = useMailApi();
  const [unread, setUnread] = useState(null);
  const load = useCallback(() => {
    mail.call('mailAccounts:list', { params: { pageSize: 200 } })
      .then((answer) => setUnread(answer.data.reduce((sum, account) => sum + (account.unreadCount || 0), 0)), () => setUnread(null));
  }, [mail]);
  useEffect(load, [load]);
  // A burst of events (a sync page, a bulk change) makes one reload.
  const pending = useRef(null);
  useEffect(() => () => clearTimeout(pending.current), []);
  useMailEvents(({ kind }) => {
    if (!kind.startsWith('message.') && kind !== 'account.updated' && kind !== 'resync') return;
    clearTimeout(pending.current);
    pending.current = setTimeout(load, 1000);
  });
  return unread;
}

function EmailManagerLink() {
  const t = useT();
  const navigate = useNavigate();
  const unread = useUnread();
  return (
    <Tooltip title={unread ? t('Email: {{count}} unread', { count: unread }) : t('Email')}>
      <span data-testid="email-unread-badge" data-unread={unread || 0}>
        <Badge count={unread || 0} overflowCount={999} size="small" offset={[-6, 6]}>
          <Button data-testid="email-manager-shortcut" icon={<MailOutlined />} onClick={() => navigate(MAIL_PATH)} />
        </Badge>
      </span>
    </Tooltip>
  );
}

export function EmailShortcutProvider({ children }) {
  return (
    <PinnedPluginListProvider items={{ emailManager: { order: 350, component: 'EmailManagerLink', pin: true, snippet: '*' } }}>
      <SchemaComponentOptions components={{ EmailManagerLink }}>{children}</SchemaComponentOptions>
    </PinnedPluginListProvider>
  );
}
