// The mail exchanged with one record (a customer, a contact, a company): every message the
// signed-in user may see whose From, To, Cc or Bcc holds the record's address or domain,
// newest first, with "Send email" pre-filled with the record's address.
import { MailOutlined, PaperClipOutlined } from '@ant-design/icons';
import { Alert, Button, Empty, Input, List, Modal, Pagination, Space, Typography } from 'antd';
import React, { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMailApi } from '../api';
import { useT } from '../locale';
import { MAIL_PATH } from '../Shortcut';
import { Compose } from '../compose/Compose';
import { MessageView } from '../mail/MessageView';
import { useMessageList } from '../mail/useMessageList';
import { addressesIn, recordFilter } from './recordMatch.mjs';

const PAGE_SIZE = 10;
const person = (p) => (p ? p.name || p.address : '');

/**
 * `matchBy`: 'address' or 'domain'; `value`: the record's field value (undefined while the
 * record loads); `problem`: why the record could not be read, if it could not; `target`:
 * {dataSource, collection, filterByTk} of the record, which a template's variables are
 * filled from.
 */
export function RecordEmails({ matchBy, value, problem, target }) {
  const t = useT();
  const mail = useMailApi();
  const filter = useMemo(() => recordFilter(matchBy, value), [matchBy, value]);
  // null until the user's mailboxes are known.
  const [accounts, setAccounts] = useState(null);
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState(null);
  const [draft, setDraft] = useState(null);
  const ownAccountIds = useMemo(() => new Set((accounts || []).map((a) => a.id)), [accounts]);
  const navigate = useNavigate();

  useEffect(() => {
    mail.call('mailAccounts:list', { params: { pageSize: 200 } }).then((answer) => setAccounts(answer.data), () => setAccounts([]));
  }, [mail]);

  const { list, loading, reload: load } = useMessageList({ filter, query, page, pageSize: PAGE_SIZE });
  useEffect(() => { setPage(1); }, [filter]);

  if (problem) return <Alert type="warning" showIcon message={problem} />;
  // In domain mode too: a field that holds an address still says whom to write to.
  const recordAddresses = addressesIn(value);
  // Without a mailbox of their own the user (often the admin building the page) is told
  // what the block shows and where to connect one, instead of a greyed-out button.
  const sendButton = accounts && accounts.length === 0 ? (
    <Alert type="info" showIcon data-testid="record-connect-hint" style={{ width: '100%' }}
      message={t('You have no mailbox connected.')}
      description={t('This block shows the mail with this record from your own mailboxes and those shared with you. Connect one to see your mail here and to write from here.')}
      action={<Button size="small" type="primary" onClick={() => navigate(`${MAIL_PATH}?tab=accounts`)} data-testid="record-connect">{t('Connect a mailbox')}</Button>} />
  ) : (
    <Button icon={<MailOutlined />} disabled={!accounts} onClick={() => setDraft({ to: recordAddresses, record: target || undefined })} data-testid="record-send-email">
      {t('Send email')}
    </Button>
  );
  if (value === undefined) return <List loading dataSource={[]} />;
  if (!filter) {
    return (
      <Space direction="vertical" style={{ width: '100%' }}>
        <Empty description={matchBy === 'domain' ? t('This record has no domain to match mail with.') : t('This record has no email address.')} />
        {sendButton}
      </Space>
    );
  }
  return (
    <div data-testid="record-emails">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }} wrap>
        <Input.Search allowClear placeholder={t('Search mail')} style={{ width: 260 }} onSearch={(text) => { setQuery(text.trim()); setPage(1); }} />
        {accounts && accounts.length > 0 && sendButton}
      </Space>
      {accounts && accounts.length === 0 && <div style={{ marginBottom: 8 }}>{sendButton}</div>}
      <List
        loading={loading}
        size="small"
        dataSource={list.data}
        locale={{ emptyText: t('No mail with this record in your mailboxes or in those shared with you.') }}
        renderItem={(m) => (
          <List.Item onClick={() => setOpenId(m.id)} style={{ cursor: 'pointer', fontWeight: m.isRead || !ownAccountIds.has(m.accountId) ? 'normal' : 600 }} data-testid="record-email-row">
            <div style={{ width: '100%', minWidth: 0 }}>
              <Space style={{ width: '100%', justifyContent: 'space-between' }}>
                <Typography.Text ellipsis style={{ maxWidth: 360, fontWeight: 'inherit' }}>
                  {person(m.from)}{m.to && m.to.length ? ` → ${m.to.map(person).join(', ')}` : ''}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>{new Date(m.date).toLocaleString()}</Typography.Text>
              </Space>
              <div>
                {m.hasAttachments && <PaperClipOutlined style={{ marginRight: 4 }} />}
                <Typography.Text ellipsis style={{ maxWidth: 520, fontWeight: 'inherit' }}>{m.subject === null ? t('(subject not shared)') : m.subject || t('(no subject)')}</Typography.Text>
              </div>
              {m.snippet && <Typography.Text type="secondary" ellipsis style={{ maxWidth: 560, fontSize: 12 }}>{m.snippet}</Typography.Text>}
            </div>
          </List.Item>
        )}
      />
      {list.meta.count > PAGE_SIZE && (
        <Pagination style={{ marginTop: 8 }} size="small" current={page} pageSize={PAGE_SIZE} total={list.meta.count} showSizeChanger={false} onChange={setPage} />
      )}
      <Modal open={Boolean(openId)} onCancel={() => setOpenId(null)} footer={null} width={900} destroyOnClose>
        {openId && (
          <MessageView id={openId} folders={[]} ownAccountIds={ownAccountIds} onCompose={(next) => { setOpenId(null); setDraft({ ...next, record: target || undefined }); }}
            onChanged={(what) => { if (what === 'moved' || what === 'removed') setOpenId(null); load(); }} />
        )}
      </Modal>
      <Compose start={draft} accounts={accounts || []} onClose={() => setDraft(null)} onSent={() => { setDraft(null); load(); }} />
    </div>
  );
}
