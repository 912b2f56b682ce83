// One message: headers, the sanitized body in a sandboxed frame (no scripts, no same-origin
// access, remote images blocked until asked for), attachments, and the actions.
import { DeleteOutlined, PrinterOutlined, StarFilled, StarOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Empty, Popconfirm, Select, Space, Spin, Tag, Tooltip, Typography, message } from 'antd';
import React, { useEffect, useRef, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { Attachments, saveBlob } from './Attachments';
import { frameDocument } from './frame.mjs';
import { printDocument, printInFrame } from './print.mjs';
import { folderName } from './folderName';
import { safeFileName } from './fileName.mjs';
import { MailRecords } from './MailRecords';
import { MessageNotes } from './MessageNotes';
import { FOLD_QUOTES_CSS, htmlHasQuote, splitTextQuote, textHasQuote } from './quotes.mjs';

const person = (p) => (p ? (p.name ? `${p.name} <${p.address}>` : p.address) : '');
const domainOf = (address) => String(address || '').split('@').pop().toLowerCase();
/** The file name of a message saved whole, as the service names it. */
const emlName = (subject) => `${safeFileName(subject, 'message', 120)}.eml`;

/** Downloads with the token in the header, then hands the browser a local object URL:
 * the original message as a `.eml`. */
function useDownload() {
  const mail = useMailApi();
  return async (id, filename, action) => {
    try {
      saveBlob(await mail.blob(action, { filterByTk: id }), filename);
    } catch (error) {
      message.error(errorText(error));
    }
  };
}

// The sanitizer points `cid:` images at attachment downloads, which need the caller's
// token; the sandboxed frame sends none. They are fetched here and put in as data: URLs.
const INLINE_DOWNLOAD = /src="\/api\/mailAttachments:download\?filterByTk=(\d+)"/g;
const INLINE_LIMIT = 2 * 1024 * 1024;

async function inlineImages(mail, html) {
  const ids = [...new Set([...html.matchAll(INLINE_DOWNLOAD)].map((m) => m[1]))];
  const urls = {};
  await Promise.all(ids.map(async (id) => {
    try {
      const blob = await mail.blob('mailAttachments:download', { filterByTk: id, inline: true });
      if (blob.size > INLINE_LIMIT || !/^image\//.test(blob.type)) return;
      urls[id] = await new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = reject;
        reader.readAsDataURL(blob);
      });
    } catch {
      // An image that cannot be fetched stays a broken image, as in any mail client.
    }
  }));
  return html.replace(INLINE_DOWNLOAD, (whole, id) => (urls[id] ? `src="${urls[id]}"` : whole));
}

/** `inThread`: one message of a conversation (the conversation shows the subject once);
 * `reload`: changed by the conversation when it changed this message from outside. */
export function MessageView({ id, folders, labels = [], ownAccountIds, onCompose, onChanged, command, inThread = false, reload = 0 }) {
  const t = useT();
  const mail = useMailApi();
  const download = useDownload();
  const [message_, setMessage] = useState(null);
  const [showImages, setShowImages] = useState(false);
  // The quoted original is folded until asked for, per message.
  const [quotesShown, setQuotesShown] = useState(false);
  useEffect(() => setQuotesShown(false), [id]);
  // The frame the last print was made from; it goes with the view.
  const printFrame = useRef(null);
  useEffect(() => () => { if (printFrame.current) printFrame.current.remove(); }, []);
  // Bumped to read the message again (after the sender's images were trusted or not).
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    setMessage(null);
    mail.call('mailMessages:get', { params: { filterByTk: id, blockRemoteImages: !showImages } }).then(async (answer) => {
      if (!live) return;
      if (answer.data && answer.data.bodyHtml) {
        answer.data.bodyHtml = await inlineImages(mail, answer.data.bodyHtml);
        if (!live) return;
      }
      setMessage(answer.data);
      // Opening a message marks it read, as every mail client does.
      if (answer.data && !answer.data.isRead && ownAccountIds.has(answer.data.accountId)) {
        try {
          await mail.call('mailMessages:update', { params: { filterByTk: id }, values: { isRead: true } });
          // The view says read too: its button offers "Mark unread", and a click on it acts.
          if (live) setMessage((m) => (m && m.id === answer.data.id ? { ...m, isRead: true } : m));
          onChanged();
        } catch (error) {
          message.error(errorText(error));
        }
      }
    }, (error) => message.error(errorText(error)));
    return () => { live = false; };
  }, [id, showImages, version, reload, mail]); // eslint-disable-line react-hooks/exhaustive-deps

  // A keyboard command from the mail page (`{name, at}`), carried out on this message with
  // the buttons' own actions (defined below; the effect runs once they are).
  const lastCommand = useRef(command);
  useEffect(() => {
    if (!command || command === lastCommand.current || !message_) return;
    lastCommand.current = command;
    if (!ownAccountIds.has(message_.accountId)) return;
    const archive = folders.find((f) => f.accountId === message_.accountId && f.role === 'archive');
    const run = {
      reply: () => onCompose(reference('reply')),
      replyAll: () => onCompose(reference('replyAll')),
      forward: () => onCompose(reference('forward')),
      star: () => change({ isStarred: !message_.isStarred }),
      delete: () => remove(),
      archive: () => (archive ? change({ folderId: archive.id }) : message.info(t('This mailbox has no Archive folder.'))),
    }[command.name];
    if (run) run();
  }, [command, message_]); // eslint-disable-line react-hooks/exhaustive-deps

  if (!message_) return <Spin style={{ margin: 48 }} />;
  const sender = message_.from && message_.from.address;
  const trustSender = async () => {
    try {
      await mail.call('mailTrustedSenders:create', { values: { address: sender } });
      setVersion((v) => v + 1);
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const distrustSender = async () => {
    try {
      const listed = await mail.call('mailTrustedSenders:list', { params: { pageSize: 200 } });
      const row = (listed.data || []).find((r) => r.address === String(sender).toLowerCase());
      if (row) await mail.call('mailTrustedSenders:destroy', { params: { filterByTk: row.id }, values: {} });
      setShowImages(false);
      setVersion((v) => v + 1);
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const replyTo = message_.replyTo || [];
  const replyElsewhere = replyTo.filter((r) => domainOf(r.address) !== domainOf(sender));
  const remoteShown = showImages || message_.remoteImagesAllowedForSender;
  const change = async (values) => {
    try {
      await mail.call('mailMessages:update', { params: { filterByTk: id }, values });
      setMessage((m) => ({ ...m, ...values }));
      onChanged(values.folderId ? 'moved' : undefined);
    } catch (error) {
      message.error(errorText(error));
    }
  };
  // Labels: the picker's new set, told to the provider as what to put on and take off.
  // Only the user's own labels are picked here; the provider's (Gmail's categories) stay.
  const ownLabels = labels.filter((l) => l.kind === 'user');
  const relabel = async (picked) => {
    const before = (message_.labelIds || []).filter((l) => ownLabels.some((o) => o.id === l));
    const kept = (message_.labelIds || []).filter((l) => !ownLabels.some((o) => o.id === l));
    const next = [...kept, ...picked];
    const values = {
      addLabelIds: picked.filter((l) => !before.includes(l)),
      removeLabelIds: before.filter((l) => !picked.includes(l)),
    };
    try {
      await mail.call('mailMessages:update', { params: { filterByTk: id }, values });
      setMessage((m) => ({ ...m, labelIds: next }));
      onChanged();
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const remove = async () => {
    try {
      await mail.call('mailMessages:destroy', { params: { filterByTk: id }, values: {} });
      onChanged('removed');
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const reference = (action) => ({ accountId: message_.accountId, reference: { messageId: message_.id, action } });
  const html = message_.bodyHtml;
  const hasText = message_.bodyText !== null && message_.bodyText !== undefined;
  // A reply's quoted original is folded away (never a forward's: that is its content).
  const foldable = html ? htmlHasQuote(html, message_.subject) : hasText && textHasQuote(message_.bodyText, message_.subject);
  // A colleague's shared mailbox is read-only here.
  const own = ownAccountIds.has(message_.accountId);
  // The printable view (see print.mjs), printed from a frame of its own out of sight.
  const print = () => {
    const doc = printDocument({
      subject: message_.subject || t('(no subject)'),
      rows: [[t('From'), person(message_.from)], [t('To'), (message_.to || []).map(person).join(', ')],
        [t('Cc'), (message_.cc || []).map(person).join(', ')], [t('Date'), new Date(message_.date).toLocaleString()]],
      html, text: hasText ? message_.bodyText : '', showRemote: remoteShown,
      files: (message_.attachments || []).filter((a) => !a.inline).map((a) => a.filename || t('attachment')),
      filesLabel: `${t('Attachments')}:`,
    });
    if (printFrame.current) printFrame.current.remove();
    printFrame.current = printInFrame(doc);
  };
  return (
    <div data-testid="message-view">
      {own && <Space wrap style={{ marginBottom: 12 }}>
        <Button type="primary" onClick={() => onCompose(reference('reply'))} data-testid="reply">{t('Reply')}</Button>
        <Button onClick={() => onCompose(reference('replyAll'))}>{t('Reply all')}</Button>
        <Button onClick={() => onCompose(reference('forward'))}>{t('Forward')}</Button>
        <Button onClick={() => change({ isRead: !message_.isRead })}>{message_.isRead ? t('Mark unread') : t('Mark read')}</Button>
        <Button data-testid="message-star" icon={message_.isStarred ? <StarFilled style={{ color: '#faad14' }} /> : <StarOutlined />} onClick={() => change({ isStarred: !message_.isStarred })} />
        <Select placeholder={t('Move to…')} style={{ width: 160 }} value={null}
          options={folders.filter((f) => f.accountId === message_.accountId && !message_.folderIds.includes(f.id)).map((f) => ({ value: f.id, label: folderName(t, f) }))}
          onChange={(folderId) => change({ folderId })} />
        {ownLabels.length > 0 && (
          <Select mode="multiple" placeholder={t('Labels')} style={{ minWidth: 160 }} className="message-labels"
            value={(message_.labelIds || []).filter((l) => ownLabels.some((o) => o.id === l))}
            options={ownLabels.map((l) => ({ value: l.id, label: l.name }))} onChange={relabel} maxTagCount="responsive" />
        )}
        <Button data-testid="print" icon={<PrinterOutlined />} onClick={print}>{t('Print')}</Button>
        <Button data-testid="download-original" onClick={() => download(message_.id, emlName(message_.subject), 'mailMessages:raw')}>{t('Download original')}</Button>
        <Popconfirm title={t('Move this message to the trash?')} onConfirm={remove} okText={t('Delete')} cancelText={t('Cancel')}>
          <Button danger icon={<DeleteOutlined />}>{t('Delete')}</Button>
        </Popconfirm>
      </Space>}
      {!inThread && <MailRecords mail={message_} />}
      {!inThread && <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="message-subject">{message_.subject || t('(no subject)')}</Typography.Title>}
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('From')}>{person(message_.from)}</Descriptions.Item>
        {replyTo.length > 0 && (
          <Descriptions.Item label={t('Reply-To')}>
            <span data-testid="message-reply-to">{replyTo.map(person).join(', ')}</span>
            {replyElsewhere.length > 0 && (
              <Tooltip title={t('Replies to this message go to another domain than the sender\'s. Check the address before you answer.')}>
                <Tag color="warning" icon={<WarningOutlined />} style={{ marginLeft: 8 }} data-testid="reply-to-warning">{t('Replies go elsewhere')}</Tag>
              </Tooltip>
            )}
          </Descriptions.Item>
        )}
        <Descriptions.Item label={t('To')}>{(message_.to || []).map(person).join(', ')}</Descriptions.Item>
        {message_.cc && message_.cc.length > 0 && <Descriptions.Item label={t('Cc')}>{message_.cc.map(person).join(', ')}</Descriptions.Item>}
        <Descriptions.Item label={t('Date')}>{new Date(message_.date).toLocaleString()}</Descriptions.Item>
      </Descriptions>
      {message_.remoteImagesBlocked && (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} data-testid="images-bar"
          message={t('Remote images are hidden to protect your privacy.')}
          action={<Space>
            <Button size="small" onClick={() => setShowImages(true)} data-testid="show-images">{t('Show images')}</Button>
            {sender && <Button size="small" type="link" onClick={trustSender} data-testid="trust-sender">{t('Always show images from {{sender}}', { sender })}</Button>}
          </Space>} />
      )}
      {message_.remoteImagesAllowedForSender && (
        <Typography.Paragraph type="secondary" data-testid="images-trusted">
          {t('Images are shown: you always show images from {{sender}}.', { sender })} <Button size="small" type="link" onClick={distrustSender}>{t('Stop')}</Button>
        </Typography.Paragraph>
      )}
      {html
        ? <iframe title="message" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={frameDocument(html, remoteShown, foldable && !quotesShown ? FOLD_QUOTES_CSS : '')} style={{ width: '100%', minHeight: inThread ? 200 : 360, border: '1px solid #f0f0f0' }} data-testid="message-body" />
        : hasText
          ? <pre style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit' }} data-testid="message-body">{foldable && !quotesShown ? splitTextQuote(message_.bodyText).own : message_.bodyText}</pre>
          : <Empty description={t('The owner shares only part of this message.')} />}
      {foldable && (
        <Tooltip title={quotesShown ? t('Hide quoted text') : t('Show quoted text')}>
          <Button size="small" onClick={() => setQuotesShown((v) => !v)} data-testid="toggle-quote" aria-label={quotesShown ? t('Hide quoted text') : t('Show quoted text')}>···</Button>
        </Tooltip>
      )}
      {(message_.attachments || []).some((a) => !a.inline) && (
        <Attachments files={message_.attachments.filter((a) => !a.inline)} subject={message_.subject} />
      )}
      {/* Notes go with the body: whoever may read it sees them. */}
      {(html || hasText) && <MessageNotes messageId={message_.id} ownsMailbox={own} />}
    </div>
  );
}
