// Inserts a variable, written as NocoBase writes variables ({{$user.nickname}}), at the
// editor's cursor: the current user, today's date, the recipient, or a field of the
// record the mail is written from (any field name the record's collection has).
import { Button, Dropdown, Input, Space } from 'antd';
import React, { useState } from 'react';
import { msg, useT } from '../locale';

export const VARIABLES = [
  { name: '$user.nickname', label: msg('Your name') },
  { name: '$user.email', label: msg('Your email') },
  { name: '$recipient.name', label: msg('Recipient name') },
  { name: '$recipient.address', label: msg('Recipient email') },
  { name: '$nDate.today', label: msg('Today') },
];

/** `onInsert(text)`: puts `{{…}}` where the cursor is. */
export function VariablePicker({ onInsert }) {
  const t = useT();
  const [field, setField] = useState('');
  const recordField = field.trim().replace(/[^A-Za-z0-9_.]/g, '');
  return (
    <Space wrap data-testid="variable-picker">
      <Dropdown menu={{
        items: VARIABLES.map((v) => ({ key: v.name, label: `${t(v.label)} — {{${v.name}}}` })),
        onClick: ({ key }) => onInsert(`{{${key}}}`),
      }}>
        <Button size="small">{t('Insert variable')}</Button>
      </Dropdown>
      <Space.Compact size="small">
        <Input size="small" style={{ width: 180 }} placeholder={t('Record field, e.g. name')} value={field}
          onChange={(e) => setField(e.target.value)} data-testid="variable-record-field" />
        <Button size="small" disabled={!recordField} onClick={() => { onInsert(`{{$nRecord.${recordField}}}`); setField(''); }}
          data-testid="variable-record-insert">{t('Insert record field')}</Button>
      </Space.Compact>
    </Space>
  );
}
