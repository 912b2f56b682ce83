// One message: headers, the sanitized body in a sandboxed frame (no scripts, no same-origin
// access, remote images blocked until asked for), attachments, and the actions.
import { DeleteOutlined, PaperClipOutlined, StarFilled, StarOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Empty, Popconfirm, Select, Space, Spin, Tag, Tooltip, Typography, message } from 'antd';
import React, { useEffect, useRef, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { frameDocument } from './frame.mjs';
import { folderName } from './folderName';
import { MessageNotes } from './MessageNotes';

const person = (p) => (p ? (p.name ? `${p.name} <${p.address}>` : p.address) : '');
const domainOf = (address) => String(address || '').split('@').pop().toLowerCase();
/** The file name of a message saved whole, as the service names it. */
const emlName = (subject) => `${String(subject || '').replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim().slice(0, 120) || 'message'}.eml`;

/** Downloads with the token in the header, then hands the browser a local object URL:
 * an attachment, or (`action` mailMessages:raw) the original message as a `.eml`. */
function useDownload() {
  const mail = useMailApi();
  return async (id, filename, action = 'mailAttachments:download') => {
    try {
      const blob = await mail.blob(action, { filterByTk: id });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
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

export function MessageView({ id, folders, ownAccountIds, onCompose, onChanged, command }) {
  const t = useT();
  const mail = useMailApi();
  const download = useDownload();
  const [message_, setMessage] = useState(null);
  const [showImages, setShowImages] = useState(false);
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
  }, [id, showImages, version, mail]); // eslint-disable-line react-hooks/exhaustive-deps

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
  // A colleague's shared mailbox is read-only here.
  const own = ownAccountIds.has(message_.accountId);
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
        <Button data-testid="download-original" onClick={() => download(message_.id, emlName(message_.subject), 'mailMessages:raw')}>{t('Download original')}</Button>
        <Popconfirm title={t('Move this message to the trash?')} onConfirm={remove} okText={t('Delete')} cancelText={t('Cancel')}>
          <Button danger icon={<DeleteOutlined />}>{t('Delete')}</Button>
        </Popconfirm>
      </Space>}
      <Typography.Title level={4} style={{ marginTop: 0 }} data-testid="message-subject">{message_.subject || t('(no subject)')}</Typography.Title>
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
        ? <iframe title="message" sandbox="allow-popups allow-popups-to-escape-sandbox" srcDoc={frameDocument(html, remoteShown)} style={{ width: '100%', minHeight: 360, border: '1px solid #f0f0f0' }} data-testid="message-body" />
        : message_.bodyText !== null && message_.bodyText !== undefined
          ? <pre style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit' }} data-testid="message-body">{message_.bodyText}</pre>
          : <Empty description={t('The owner shares only part of this message.')} />}
      {(message_.attachments || []).length > 0 && (
        <Space wrap style={{ marginTop: 12 }}>
          {message_.attachments.filter((a) => !a.inline).map((a) => (
            <Tag key={a.id} icon={<PaperClipOutlined />} style={{ cursor: 'pointer' }} onClick={() => download(a.id, a.filename || 'attachment')}>
              {a.filename || t('attachment')}{a.size ? ` (${Math.ceil(a.size / 1024)} KB)` : ''}
            </Tag>
          ))}
        </Space>
      )}
      {/* Notes go with the body: whoever may read it sees them. */}
      {(html || (message_.bodyText !== null && message_.bodyText !== undefined)) && <MessageNotes messageId={message_.id} ownsMailbox={own} />}
    </div>
  );
}
