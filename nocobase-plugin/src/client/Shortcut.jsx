// The envelope in NocoBase's top bar, next to the other pinned plugins: opens the mail page.
import { MailOutlined } from '@ant-design/icons';
import { PinnedPluginListProvider, SchemaComponentOptions } from '@nocobase/client';
import { Button, Tooltip } from 'antd';
import React from 'react';
import { useNavigate } from 'react-router-dom';
import { useT } from './locale';

export const MAIL_PATH = '/admin/email-manager';

function EmailManagerLink() {
  const t = useT();
  const navigate = useNavigate();
  return (
    <Tooltip title={t('Email')}>
      <Button data-testid="email-manager-shortcut" icon={<MailOutlined />} onClick={() => navigate(MAIL_PATH)} />
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
