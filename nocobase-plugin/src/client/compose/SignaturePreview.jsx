// The signature the message goes out with: chosen here, shown as it will look, and put in
// by the server as saved (a signature's table layout would not survive the editor).
import { Select, Space, Typography } from 'antd';
import React from 'react';
import { useT } from '../locale';

export function SignaturePreview({ signatures, signature, answering, hidden, onChange }) {
  const t = useT();
  if (hidden) return null;
  const where = answering
    ? (signature && signature.placement === 'aboveQuote' ? t('above the quoted message') : t('below the quoted message'))
    : '';
  return (
    <div style={{ marginBottom: 12 }} data-testid="compose-signature">
      <Space>
        <Typography.Text type="secondary">{t('Signature')}</Typography.Text>
        <Select size="small" style={{ minWidth: 200 }} value={signature ? signature.id : 0} data-testid="compose-signature-select"
          onChange={(id) => onChange(id || null)}
          options={[{ value: 0, label: t('No signature') }, ...signatures.map((s) => ({ value: s.id, label: s.name }))]} />
        {where && <Typography.Text type="secondary">{where}</Typography.Text>}
      </Space>
      {signature && (
        // Cleaned by the server when it was saved (no scripts, handlers or forms).
        <div style={{ marginTop: 8, padding: '8px 12px', borderLeft: '3px solid #d9d9d9', color: '#595959' }}
          data-testid="compose-signature-preview" dangerouslySetInnerHTML={{ __html: signature.html }} />
      )}
    </div>
  );
}
