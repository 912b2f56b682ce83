// Compose, reply, reply all, forward, and a draft opened again. The body is rich text
// (Editor.jsx); From lists every address the user's mailboxes may send as; the signature
// is chosen here and shown under the editor, and the server puts it in as saved, above
// or below the quote; a template fills subject and body (from the record the form was
// opened on, read with the user's own NocoBase permissions). The form saves itself as a
// draft at the provider every few seconds and when closed (useDraft.js). For an answer
// it first asks the server who it goes to and from which address, shows that (editable,
// with a warning when Reply-To leads elsewhere), and sends exactly that.
import { PaperClipOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Modal, Select, Space, Spin, Typography, Upload, message } from 'antd';
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorText, fieldError, useMailApi } from '../api';
import { useT } from '../locale';
import { Editor } from './Editor';
import { SignaturePreview } from './SignaturePreview';
import { TemplatePicker } from './TemplatePicker';
import { tracked, useDraft } from './useDraft';
import {
  fillRecipient, identityOptions, isBlank, messageValues, pickIdentity, recipientVariable, splitDraftHtml, toFormData,
} from './values.mjs';

const TITLES = { reply: 'Reply', replyAll: 'Reply all', forward: 'Forward' };
const AUTOSAVE_MS = 5000;
const addresses = (list) => (list || []).map((p) => (p.name ? `${p.name} <${p.address}>` : p.address));

/**
 * `start`: what the form opens with, null when closed: {accountId?, to?: [], subject?,
 * reference?: {messageId, action}, record?: {dataSource?, collection, filterByTk},
 * draftId?}.
 */
export function Compose({ start, accounts, onClose, onSent }) {
  const t = useT();
  const mail = useMailApi();
  const [form] = Form.useForm();
  const options = useMemo(() => identityOptions(accounts), [accounts]);
  const [identity, setIdentity] = useState(null);
  const [html, setHtml] = useState('');
  // A reopened draft's signature and quote, kept out of the editor as they were.
  const [kept, setKept] = useState('');
  const [signatures, setSignatures] = useState([]);
  const [signatureId, setSignatureId] = useState(null);
  const signatureChosen = useRef(false);
  const [files, setFiles] = useState([]);
  const [keptFileIds, setKeptFileIds] = useState([]);
  const [prepared, setPrepared] = useState(null);
  const [loading, setLoading] = useState(false);
  const [sending, setSending] = useState(false);
  const [missing, setMissing] = useState([]);
  const changes = useRef({ made: 0, saved: 0 });
  const reference = start && start.reference;

  const state = () => ({
    identity,
    ...form.getFieldsValue(['to', 'cc', 'bcc', 'subject']),
    html: kept ? `${html}${kept}` : html,
    signatureId,
    reference,
    recipientsShown: Boolean(prepared),
  });
  const latest = useRef(null);
  latest.current = { state: state(), files, keptFileIds };
  const read = useCallback(() => latest.current, []);
  const drafts = useDraft(mail, read, setFiles);
  const changed = () => { changes.current.made += 1; };

  /** A draft as the provider holds it now, into the form (whole: its signature and quote are in its body). */
  const loadDraft = (id, live) => {
    setLoading(true);
    return mail.call('mailDrafts:get', { params: { filterByTk: id } }).then((answer) => {
      if (!live()) return;
      const draft = answer.data;
      if (!draft) {
        message.warning(t('This draft was sent or deleted meanwhile.'));
        onClose(true);
        return;
      }
      setIdentity(pickIdentity(options, draft.accountId, draft.from && draft.from.address));
      setSignatureId(null);
      signatureChosen.current = true;
      form.setFieldsValue({ to: addresses(draft.to), cc: addresses(draft.cc), bcc: addresses(draft.bcc), subject: draft.subject });
      const parts = splitDraftHtml(draft.html || (draft.text ? `<p>${draft.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br>')}</p>` : ''));
      setHtml(parts.own);
      setKept(parts.kept);
      setFiles([]);
      drafts.adopt(tracked(draft));
      drafts.settle();
      changes.current = { made: 0, saved: 0 };
    }, (error) => message.error(errorText(error))).finally(() => { if (live()) setLoading(false); });
  };

  // After each save (and on opening a draft) all of the draft's files are kept.
  useEffect(() => {
    setKeptFileIds(drafts.draft ? drafts.draft.files.map((f) => f.id) : []);
  }, [drafts.draft]);

  // Opening: a new message, an answer (recipients and From asked of the server), or a draft.
  useEffect(() => {
    if (!start) return undefined;
    let live = true;
    form.resetFields();
    drafts.reset();
    setFiles([]);
    setKeptFileIds([]);
    setPrepared(null);
    setMissing([]);
    setHtml('');
    setKept('');
    signatureChosen.current = false;
    changes.current = { made: 0, saved: 0 };
    const first = pickIdentity(options, start.accountId || (accounts[0] && accounts[0].id));
    setIdentity(first);
    setSignatureId(first ? first.signatureId : null);
    form.setFieldsValue({ to: start.to || [], cc: [], bcc: [], subject: start.subject || '' });
    mail.call('mailSignatures:list', { params: { pageSize: 200 } })
      .then((answer) => { if (live) setSignatures(answer.data); }, () => {});
    if (start.draftId) {
      loadDraft(start.draftId, () => live);
    } else if (reference) {
      mail.call('mailMessages:prepareReply', { params: { filterByTk: reference.messageId, action: reference.action } }).then((answer) => {
        if (!live) return;
        const data = answer.data;
        form.setFieldsValue({ to: addresses(data.to), cc: addresses(data.cc), subject: data.subject });
        const from = pickIdentity(options, start.accountId, data.identity && data.identity.address);
        setIdentity(from);
        if (from) setSignatureId(from.signatureId);
        setPrepared(data);
      }, (error) => { if (live) message.error(errorText(error)); });
    }
    return () => { live = false; };
  }, [start]); // eslint-disable-line react-hooks/exhaustive-deps

  const empty = () => {
    const values = form.getFieldsValue(['to', 'cc', 'bcc', 'subject']);
    return isBlank(html) && !files.length && !(values.subject || '').trim()
      && !(values.to || []).length && !(values.cc || []).length && !(values.bcc || []).length;
  };

  const saveDraft = useCallback(async () => {
    const upTo = changes.current.made;
    await drafts.save();
    changes.current.saved = Math.max(changes.current.saved, upTo);
  }, [drafts]);

  // Autosave: every few seconds while something changed, never during a conflict.
  useEffect(() => {
    if (!start || loading) return undefined;
    const timer = setInterval(() => {
      const { made, saved } = changes.current;
      if (made === saved || drafts.conflict || drafts.saving.current || sending || !identity) return;
      if (!drafts.draft && empty()) return;
      saveDraft().catch(() => {});
    }, AUTOSAVE_MS);
    return () => clearInterval(timer);
  });

  const close = async () => {
    const { made, saved } = changes.current;
    if (made !== saved && !drafts.conflict && identity && (drafts.draft || !empty())) {
      try {
        await saveDraft();
        message.success(t('Draft saved'));
      } catch (error) {
        message.error(`${t('The draft was not saved')}: ${errorText(error)}`);
        return;
      }
    }
    onClose(Boolean(drafts.draft));
  };

  const discard = async () => {
    if (drafts.draft) {
      try {
        await mail.call('mailDrafts:destroy', { params: { filterByTk: drafts.draft.id }, values: {} });
      } catch (error) {
        message.error(errorText(error));
        return;
      }
    }
    onClose(true);
  };

  const showOutcome = (outcome) => {
    if (outcome.status === 'sent' || outcome.status === 'scheduled') {
      message.success(outcome.status === 'sent' ? t('Sent') : t('Scheduled'));
      onSent(outcome);
    } else {
      message.error(`${t(`send.${outcome.status}`)}${outcome.error ? `: ${outcome.error.message}` : ''}`);
    }
  };

  const send = async () => {
    setSending(true);
    try {
      if (drafts.draft) {
        // The draft is what goes: saved first with what the form shows.
        if (changes.current.made !== changes.current.saved) await saveDraft();
        const answer = await mail.call('mailDrafts:send', { params: { filterByTk: drafts.draft.id }, values: {} });
        showOutcome(answer.data);
      } else {
        const answer = await mail.call('mailMessages:send', { values: toFormData(messageValues(state()), files) });
        showOutcome(answer.data);
      }
    } catch (error) {
      const field = fieldError(error);
      const name = field && field.field.replace(/\[.*$/, '');
      if (name && ['to', 'cc', 'bcc', 'subject'].includes(name)) {
        form.setFields([{ name, errors: [field.problem] }]);
      } else {
        message.error(errorText(error));
      }
    } finally {
      setSending(false);
    }
  };

  const chooseIdentity = (value) => {
    const next = options.find((o) => o.value === value);
    setIdentity(next);
    if (!signatureChosen.current && next) setSignatureId(next.signatureId);
    changed();
  };

  // The template last put in, as it was: while the body is still that, a new To fills
  // it again for the new recipient.
  const applied = useRef(null);
  const putTemplate = (rendered, again) => {
    if (rendered.subject) form.setFieldsValue({ subject: rendered.subject });
    setHtml(rendered.html || '');
    setMissing(rendered.missing || []);
    applied.current = { again, html: rendered.html || '' };
    changed();
  };
  const applyTemplate = (rendered, again) => {
    if (isBlank(html)) putTemplate(rendered, again);
    else Modal.confirm({ title: t('Replace the message with the template?'), onOk: () => putTemplate(rendered, again) });
  };
  const toChanged = (to) => {
    const template = applied.current;
    if (template && template.again && html === template.html) {
      template.again().then((rendered) => { if (rendered) putTemplate(rendered, template.again); });
      return;
    }
    // Edited since: only the `{{$recipient…}}` still in it are filled.
    const who = recipientVariable(to);
    const subject = form.getFieldValue('subject') || '';
    const [nextHtml, nextSubject] = [fillRecipient(html, who, true), fillRecipient(subject, who)];
    if (nextHtml === html && nextSubject === subject) return;
    setHtml(nextHtml);
    form.setFieldsValue({ subject: nextSubject });
    setMissing((names) => names.filter((name) => nextHtml.includes(name) || nextSubject.includes(name)));
    changed();
  };

  const statusText = {
    idle: '',
    saving: t('Saving…'),
    saved: drafts.status.at ? `${t('Draft saved')} ${drafts.status.at.toLocaleTimeString()}` : '',
    failed: `${t('Not saved')}: ${drafts.status.message || ''}`,
  }[drafts.status.kind];
  const signature = signatures.find((s) => s.id === signatureId) || null;
  const addressField = (name, label) => (
    <Form.Item name={name} label={label}>
      <Select mode="tags" tokenSeparators={[',', ';', ' ']} open={false} data-testid={`compose-${name}`} onChange={changed} />
    </Form.Item>
  );
  const accountIds = new Set(accounts.map((a) => a.id));
  const bound = Boolean(reference || (start && start.draftId));
  const fromOptions = options.filter((o) => accountIds.has(o.accountId) && (!bound || !identity || o.accountId === identity.accountId));
  return (
    <Modal
      open={Boolean(start)}
      title={reference ? t(TITLES[reference.action]) : (start && start.draftId ? t('Draft') : t('New message'))}
      onCancel={close}
      width={820}
      maskClosable={false}
      destroyOnClose
      footer={(
        <Space style={{ width: '100%', justifyContent: 'space-between' }}>
          <Typography.Text type={drafts.status.kind === 'failed' ? 'danger' : 'secondary'} data-testid="compose-draft-status">{statusText}</Typography.Text>
          <Space>
            <Button onClick={discard} data-testid="compose-discard">{t('Discard')}</Button>
            <Button onClick={() => saveDraft().catch(() => {})} disabled={drafts.conflict || !identity} data-testid="compose-save">{t('Save draft')}</Button>
            <Button type="primary" loading={sending} disabled={(Boolean(reference) && !prepared) || drafts.conflict || !identity} onClick={send} data-testid="compose-send">{t('Send')}</Button>
          </Space>
        </Space>
      )}
    >
      {(loading || (reference && !prepared)) && <Spin size="small" style={{ marginBottom: 12 }} />}
      {drafts.conflict && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} data-testid="compose-conflict"
          message={t('This draft was changed elsewhere (Gmail, Outlook or another window).')}
          description={t('Nothing was overwritten. Open the newer version, or keep what you wrote here as a new draft.')}
          action={(
            <Space direction="vertical">
              <Button size="small" onClick={() => loadDraft(drafts.draft.id, () => true)} data-testid="compose-reload">{t('Open the newer version')}</Button>
              <Button size="small" onClick={() => drafts.save({ asNew: true }).then(() => { changes.current.saved = changes.current.made; }, () => {})}>{t('Keep mine as a new draft')}</Button>
            </Space>
          )} />
      )}
      {prepared && (prepared.warnings || []).map((warning) => (
        <Alert key={warning.code} type="warning" showIcon style={{ marginBottom: 12 }} data-testid="compose-warning"
          message={t('Check the recipients')} description={warning.message} />
      ))}
      {missing.length > 0 && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="compose-missing"
          message={t('These variables have no value; fill them in or remove them before sending:')}
          description={missing.join(', ')} />
      )}
      <Form form={form} layout="vertical" data-testid="compose-form"
        onValuesChange={(values) => { if ('to' in values) toChanged(values.to); }}>
        <Space style={{ width: '100%' }} align="start" wrap>
          <Form.Item label={t('From')} style={{ minWidth: 360 }}>
            {/* An answer or a draft stays in its mailbox; any of that mailbox's addresses may send it. */}
            <Select value={identity && identity.value} onChange={chooseIdentity} data-testid="compose-from"
              options={fromOptions.map((o) => ({ value: o.value, label: o.label }))} disabled={fromOptions.length < 2} />
          </Form.Item>
          <Form.Item label={t('Template')}>
            <TemplatePicker record={start && start.record} recipient={() => form.getFieldValue('to')} onRendered={applyTemplate} />
          </Form.Item>
        </Space>
        {addressField('to', t('To'))}
        {addressField('cc', t('Cc'))}
        {addressField('bcc', t('Bcc'))}
        <Form.Item name="subject" label={t('Subject')}>
          <Input placeholder={reference && reference.action !== 'forward' ? t('Re: the original subject') : ''} onChange={changed} data-testid="compose-subject" />
        </Form.Item>
        <Form.Item label={t('Message')}>
          <Editor value={html} onChange={(next) => { setHtml(next); changed(); }} />
        </Form.Item>
        {kept && (
          <div style={{ marginBottom: 12 }} data-testid="compose-kept">
            <Typography.Text type="secondary">{t('Kept as it was: the signature and the quoted message')}</Typography.Text>
            {/* Cleaned by the server as every draft it shows is (no scripts, handlers or forms). */}
            <div style={{ maxHeight: 160, overflow: 'auto', border: '1px solid #f0f0f0', padding: '4px 8px', marginTop: 4 }}
              dangerouslySetInnerHTML={{ __html: kept }} />
          </div>
        )}
        <SignaturePreview signatures={signatures} signature={signature} answering={Boolean(reference)}
          hidden={Boolean(start && start.draftId)}
          onChange={(id) => { signatureChosen.current = true; setSignatureId(id); changed(); }} />
        <Upload multiple beforeUpload={(file) => { setFiles((all) => [...all, file]); changed(); return false; }}
          onRemove={(file) => {
            if (file.draftFileId !== undefined) setKeptFileIds((ids) => ids.filter((id) => id !== file.draftFileId));
            else setFiles((all) => all.filter((f) => f.uid !== file.uid));
            changed();
          }}
          fileList={[
            ...((drafts.draft && drafts.draft.files) || []).filter((f) => keptFileIds.includes(f.id))
              .map((f) => ({ uid: `draft-${f.id}`, name: f.filename, status: 'done', draftFileId: f.id })),
            ...files,
          ]}>
          <Button icon={<PaperClipOutlined />} style={{ marginTop: 12 }}>{t('Attach files')}</Button>
        </Upload>
      </Form>
    </Modal>
  );
}
