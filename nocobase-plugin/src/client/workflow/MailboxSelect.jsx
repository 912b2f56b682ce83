// The mailboxes a workflow watches or sends from, as a select of the editor's own
// mailboxes and those shared with them (an administrator also sees everyone's, for the
// Send email node, which sends as the mailbox's owner).
import { Select } from 'antd';
import React, { useEffect, useState } from 'react';
import { useMailApi } from '../api';
import { useT } from '../locale';

export function EmailManagerMailboxSelect({ value, onChange, multiple, allUsers, disabled }) {
  const mail = useMailApi();
  const t = useT();
  const [accounts, setAccounts] = useState(null);
  useEffect(() => {
    const own = mail.call('mailAccounts:list', { params: { pageSize: 200 } }).then((a) => a.data, () => []);
    // Everyone's, for an administrator; anyone else is refused and sees their own.
    const all = allUsers
      ? mail.call('mailAccounts:list', { params: { pageSize: 200, scope: 'all' } }).then((a) => a.data, () => [])
      : Promise.resolve([]);
    Promise.all([own, all]).then(([mine, everyone]) => {
      const byId = new Map();
      for (const account of [...mine, ...everyone]) byId.set(account.id, account);
      setAccounts([...byId.values()]);
    });
  }, [mail, allUsers]);
  const options = (accounts || []).map((a) => ({ value: a.id, label: a.email }));
  return (
    <Select
      mode={multiple ? 'multiple' : undefined}
      allowClear
      disabled={disabled}
      loading={accounts === null}
      value={value === null ? undefined : value}
      onChange={(next) => onChange(next === undefined ? null : next)}
      options={options}
      placeholder={multiple ? t('Every mailbox you may see') : t('Choose a mailbox')}
      style={{ width: '100%' }}
    />
  );
}

/** The templates the editor may use, for the Send email node. */
export function EmailManagerTemplateSelect({ value, onChange, disabled }) {
  const mail = useMailApi();
  const t = useT();
  const [templates, setTemplates] = useState(null);
  useEffect(() => {
    mail.call('mailTemplates:list', { params: { pageSize: 200 } }).then((a) => setTemplates(a.data), () => setTemplates([]));
  }, [mail]);
  return (
    <Select
      allowClear
      disabled={disabled}
      loading={templates === null}
      value={value === null ? undefined : value}
      onChange={(next) => onChange(next === undefined ? null : next)}
      options={(templates || []).map((tpl) => ({ value: tpl.id, label: tpl.name }))}
      placeholder={t('No template: write the subject and body below')}
      style={{ width: '100%' }}
    />
  );
}
