// Which Microsoft accounts may sign in: a choice, never a drop-down. The free-text box with
// suggestions it replaces kept its list open over the fields below it, and a click meant
// for the Enabled switch picked "consumers" and saved it without a word (#24).
import { Input, Radio, Space } from 'antd';
import React, { useEffect, useState } from 'react';
import { useT } from '../locale';

const KINDS = ['common', 'organizations', 'consumers'];

/** Form control: `value` is the tenant setting (`common`, … or a directory ID). */
export function TenantField({ id, value, onChange }) {
  const t = useT();
  const named = KINDS.includes(value || 'common');
  // The directory box stays chosen while it is empty (the value is then '').
  const [directory, setDirectory] = useState(!named);
  useEffect(() => { if (value && !KINDS.includes(value)) setDirectory(true); }, [value]);
  const choice = directory ? 'directory' : value || 'common';
  const choose = (next) => {
    setDirectory(next === 'directory');
    onChange(next === 'directory' ? (named ? '' : value) : next);
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="tenant-field">
      <Radio.Group value={choice} onChange={(e) => choose(e.target.value)}>
        <Space direction="vertical">
          <Radio value="common" data-testid="tenant-common">{t('Any Microsoft account (work, school or personal)')} <code>common</code></Radio>
          <Radio value="organizations" data-testid="tenant-organizations">{t('Work or school accounts only')} <code>organizations</code></Radio>
          <Radio value="consumers" data-testid="tenant-consumers">{t('Personal accounts only (Outlook.com)')} <code>consumers</code></Radio>
          <Radio value="directory" data-testid="tenant-directory">{t('One organization (its directory ID)')}</Radio>
        </Space>
      </Radio.Group>
      {directory && (
        <Input id={id} autoComplete="off" value={named ? '' : value} onChange={(e) => onChange(e.target.value.trim())}
          placeholder="72f988bf-86f1-41af-91ab-2d7cd011db47" />
      )}
    </Space>
  );
}
