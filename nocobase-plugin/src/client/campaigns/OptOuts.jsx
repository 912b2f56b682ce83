// The organisation's opt-out list, under the mail merges: addresses and whole domains no
// mail merge sends to, whoever runs it. Anyone adds one (a customer asked them to stop)
// and sees the ones they added; an admin sees every entry and removes them.
import { Button, Form, Input, List, Space, Tag, Typography, message } from 'antd';
import React, { useCallback, useEffect, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { useT } from '../locale';

export function OptOuts() {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const [rows, setRows] = useState([]);
  const [saving, setSaving] = useState(false);
  const load = useCallback(() => mail.call('mailOptOuts:list', { params: { pageSize: 200 } })
    .then((answer) => setRows(answer.data), (error) => message.error(errorText(error))), [mail]);
  useEffect(() => { load(); }, [load]);
  const add = async (values) => {
    setSaving(true);
    try {
      await mail.call('mailOptOuts:create', { values: { entry: values.entry, reason: values.reason || null } });
      form.resetFields();
      load();
    } catch (error) {
      const problem = fieldError(error);
      if (problem && problem.field === 'entry') form.setFields([{ name: 'entry', errors: [problem.problem] }]);
      else message.error(errorText(error));
    } finally {
      setSaving(false);
    }
  };
  const remove = async (row) => {
    try {
      await mail.call('mailOptOuts:destroy', { params: { filterByTk: row.id }, values: {} });
      load();
    } catch (error) {
      message.error(errorText(error));
    }
  };
  return (
    <div data-testid="opt-outs">
      <Typography.Title level={5}>{t('Opt-out list')}</Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('No mail merge sends to these addresses, or to any address of these domains. Anyone may add one; only an administrator removes one.')}
      </Typography.Paragraph>
      <Form form={form} layout="inline" onFinish={add} style={{ marginBottom: 12 }}>
        <Form.Item name="entry" rules={[{ required: true, message: t('An address, or a domain such as example.com') }]}>
          <Input placeholder={t('Address or domain')} data-testid="opt-out-entry" style={{ width: 260 }} />
        </Form.Item>
        <Form.Item name="reason">
          <Input placeholder={t('Why (optional)')} style={{ width: 260 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={saving} data-testid="opt-out-add">{t('Add')}</Button>
      </Form>
      <List size="small" bordered dataSource={rows} locale={{ emptyText: t('Nobody has opted out yet') }}
        renderItem={(row) => (
          <List.Item data-testid="opt-out-row" actions={row.removable ? [
            <Button key="remove" size="small" danger onClick={() => remove(row)}>{t('Remove')}</Button>,
          ] : []}>
            <Space>
              <Typography.Text>{row.entry.startsWith('@') ? t('Everyone at {{domain}}', { domain: row.entry.slice(1) }) : row.entry}</Typography.Text>
              {row.mine && <Tag>{t('added by you')}</Tag>}
              {row.reason && <Typography.Text type="secondary">{row.reason}</Typography.Text>}
            </Space>
          </List.Item>
        )} />
    </div>
  );
}
