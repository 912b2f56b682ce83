// /admin/email-manager: the signed-in user's mail, mailboxes, signatures, templates and
// mail merges.
import { Card, Spin, Tabs, message } from 'antd';
import React, { useCallback, useEffect, useState } from 'react';
import { AccountsTab } from '../accounts/AccountsTab';
import { CampaignsTab } from '../campaigns/CampaignsTab';
import { errorText, serviceDown, useMailApi } from '../api';
import { ServiceDown } from '../ServiceDown';
import { useT } from '../locale';
import { SignaturesTab } from '../writing/SignaturesTab';
import { TemplatesTab } from '../writing/TemplatesTab';
import { MailTab } from './MailTab';
import { MyTodos } from './MyTodos';

export function MailPage() {
  const t = useT();
  const mail = useMailApi();
  const [tab, setTab] = useState(() => new URLSearchParams(window.location.search).get('tab') || 'mail');
  const [accounts, setAccounts] = useState(null);
  // The service not answering is said as such, not shown as "no mailbox".
  const [down, setDown] = useState(false);
  const load = useCallback(() => mail.call('mailAccounts:list', { params: { pageSize: 200 } })
    .then((answer) => { setDown(false); setAccounts(answer.data); }, (error) => {
      if (serviceDown(error)) { setDown(true); setAccounts(null); return; }
      message.error(errorText(error));
      setAccounts([]);
    }), [mail]);
  useEffect(() => { load(); }, [load, tab]);
  const select = (key) => {
    setTab(key);
    const url = new URL(window.location.href);
    url.searchParams.set('tab', key);
    window.history.replaceState(null, '', url.toString());
  };
  return (
    <Card style={{ margin: 24 }} title={t('Email')}>
      <Tabs activeKey={tab} onChange={select} destroyInactiveTabPane items={[
        { key: 'mail', label: t('Mail'), children: down ? <ServiceDown onRetry={load} /> : accounts ? <MailTab accounts={accounts} /> : <Spin /> },
        { key: 'todos', label: t('My to-dos'), children: down ? <ServiceDown onRetry={load} /> : accounts ? <MyTodos accounts={accounts} /> : <Spin /> },
        { key: 'accounts', label: t('My mail accounts'), children: <AccountsTab /> },
        { key: 'signatures', label: t('Signatures'), children: down ? <ServiceDown onRetry={load} /> : accounts ? <SignaturesTab accounts={accounts} /> : <Spin /> },
        { key: 'templates', label: t('Templates'), children: <TemplatesTab /> },
        { key: 'campaigns', label: t('Mail merge'), children: down ? <ServiceDown onRetry={load} /> : accounts ? <CampaignsTab accounts={accounts} /> : <Spin /> },
      ]} />
    </Card>
  );
}
