// The mailbox's drafts as the provider holds them (Gmail drafts, Outlook's Drafts): the
// ones saved from NocoBase and the ones written in Gmail or Outlook, each opened in the
// compose form to be edited and sent.
import { DeleteOutlined, PaperClipOutlined } from '@ant-design/icons';
import { Button, List, Popconfirm, Space, Typography, message } from 'antd';
import React, { useCallback, useEffect, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';
import { useT } from '../locale';

const who = (list) => (list || []).map((p) => p.name || p.address).join(', ');

/** `version` changes when the list should be read again (a draft saved, sent or deleted). */
export function DraftsList({ accountId, version, onOpen }) {
  const t = useT();
  const mail = useMailApi();
  const [drafts, setDrafts] = useState([]);
  const [loading, setLoading] = useState(false);
  const load = useCallback(() => {
    setLoading(true);
    mail.call('mailDrafts:list', { params: { filter: filterParam({ accountId }), pageSize: 50 } })
      .then((answer) => setDrafts(answer.data), (error) => message.error(errorText(error)))
      .finally(() => setLoading(false));
  }, [mail, accountId]);
  useEffect(load, [load, version]);
  const remove = async (id) => {
    try {
      await mail.call('mailDrafts:destroy', { params: { filterByTk: id }, values: {} });
      load();
    } catch (error) {
      message.error(errorText(error));
    }
  };
  return (
    <List
      loading={loading}
      bordered
      dataSource={drafts}
      locale={{ emptyText: t('No drafts') }}
      data-testid="drafts-list"
      renderItem={(d) => (
        <List.Item data-testid="draft-row" style={{ cursor: 'pointer' }} onClick={() => onOpen(d.id)}
          actions={[
            <Popconfirm key="delete" title={t('Delete this draft?')} onConfirm={(e) => { if (e) e.stopPropagation(); remove(d.id); }}
              onCancel={(e) => e && e.stopPropagation()}>
              <Button size="small" type="text" icon={<DeleteOutlined />} onClick={(e) => e.stopPropagation()} aria-label={t('Delete')} />
            </Popconfirm>,
          ]}>
          <div style={{ width: '100%', minWidth: 0 }}>
            <Space style={{ width: '100%', justifyContent: 'space-between' }}>
              <Typography.Text ellipsis style={{ maxWidth: 240 }} type="danger">{t('Draft')}</Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>{d.updatedAt ? new Date(d.updatedAt).toLocaleString() : ''}</Typography.Text>
            </Space>
            <div>
              {d.attachments && d.attachments.length > 0 && <PaperClipOutlined style={{ marginRight: 4 }} />}
              <Typography.Text ellipsis style={{ maxWidth: 340 }}>{d.subject || t('(no subject)')}</Typography.Text>
            </div>
            <Typography.Text type="secondary" ellipsis style={{ maxWidth: 360, fontSize: 12 }}>{who(d.to) ? `${t('To')}: ${who(d.to)}` : t('No recipients yet')}</Typography.Text>
          </div>
        </List.Item>
      )}
    />
  );
}
