// Picks one of the templates the user may use (their own and the shared ones of their
// roles) and has the server fill it: the user, today's date, the recipient, and the
// record the form was opened on, read with the user's own NocoBase permissions.
import { Select, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { recipientVariable } from './values.mjs';

/**
 * `recipient()`: the To list now; `onRendered({subject, html, text, missing}, again)`,
 * where `again()` renders the same template for the To as it is then.
 */
export function TemplatePicker({ record, recipient, onRendered }) {
  const t = useT();
  const mail = useMailApi();
  const [templates, setTemplates] = useState([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    mail.call('mailTemplates:list', { params: { pageSize: 200 } }).then((answer) => setTemplates(answer.data), () => setTemplates([]));
  }, [mail]);
  /** The template filled for the To as it is now; null when that failed (said once). */
  const render = async (templateId) => {
    const values = { templateId };
    const who = recipientVariable(recipient());
    if (who) values.variables = { $recipient: who };
    if (record) values.record = record;
    setBusy(true);
    try {
      const answer = await mail.call('mailTemplates:render', { values });
      return answer.data;
    } catch (error) {
      message.error(errorText(error));
      return null;
    } finally {
      setBusy(false);
    }
  };
  const pick = async (templateId) => {
    const rendered = await render(templateId);
    if (rendered) onRendered(rendered, () => render(templateId));
  };
  return (
    <Select style={{ minWidth: 220 }} placeholder={t('Insert a template')} value={null} loading={busy} data-testid="compose-template"
      onChange={pick} disabled={!templates.length}
      options={templates.map((tpl) => ({ value: tpl.id, label: tpl.scope === 'shared' ? `${tpl.name} (${t('shared')})` : tpl.name }))} />
  );
}
