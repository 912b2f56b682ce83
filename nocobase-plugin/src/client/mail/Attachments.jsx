// A message's files under its body: images previewed in place (a click shows them large),
// PDFs opened in the browser's own viewer in a dialog, every file a tag that downloads
// it, and "Download all" that saves them as one .zip. Files come with the caller's token
// through the API (never a bare URL), as blobs.
import { DownloadOutlined, EyeOutlined, PaperClipOutlined } from '@ant-design/icons';
import { Button, Image, Space, Tag, message } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { safeFileName } from './fileName.mjs';
import { PdfPreview } from './PdfPreview';
import { looksLikePdf, PDF_PREVIEW_MAX_BYTES } from './pdf.mjs';
import { uniqueNames, zip } from './zip.mjs';

// Previews load only what a person would wait for: images up to this size, at most this
// many per message.
const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;
const PREVIEW_MAX_COUNT = 12;
const PREVIEWED = /^image\/(png|jpe?g|gif|webp|bmp)$/i;

export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

const zipName = (subject) => `${safeFileName(subject, 'attachments', 120)}.zip`;

export function Attachments({ files, subject }) {
  const t = useT();
  const mail = useMailApi();
  const [previews, setPreviews] = useState({});
  const [zipping, setZipping] = useState(false);
  const [pdf, setPdf] = useState(null);
  const key = files.map((f) => f.id).join(',');

  useEffect(() => {
    let live = true;
    const made = [];
    const wanted = files.filter((f) => PREVIEWED.test(f.contentType || '') && (!f.size || f.size <= PREVIEW_MAX_BYTES)).slice(0, PREVIEW_MAX_COUNT);
    setPreviews({});
    wanted.forEach(async (file) => {
      try {
        const blob = await mail.blob('mailAttachments:download', { filterByTk: file.id });
        if (!live || !/^image\//.test(blob.type || file.contentType)) return;
        const url = URL.createObjectURL(blob);
        made.push(url);
        setPreviews((before) => ({ ...before, [file.id]: url }));
      } catch {
        // No preview; the tag still downloads it (and says why if that fails too).
      }
    });
    return () => {
      live = false;
      made.forEach((url) => URL.revokeObjectURL(url));
    };
  }, [key, mail]); // eslint-disable-line react-hooks/exhaustive-deps

  const download = async (file) => {
    try {
      saveBlob(await mail.blob('mailAttachments:download', { filterByTk: file.id }), file.filename || 'attachment');
    } catch (error) {
      message.error(errorText(error));
    }
  };
  const downloadAll = async () => {
    setZipping(true);
    try {
      const blobs = await Promise.all(files.map((f) => mail.blob('mailAttachments:download', { filterByTk: f.id })));
      const names = uniqueNames(files.map((f) => f.filename || 'attachment'));
      const entries = await Promise.all(blobs.map(async (blob, i) => ({ name: names[i], bytes: new Uint8Array(await blob.arrayBuffer()) })));
      saveBlob(new Blob([zip(entries)], { type: 'application/zip' }), zipName(subject));
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setZipping(false);
    }
  };

  const shown = files.filter((f) => previews[f.id]);
  return (
    <div style={{ marginTop: 12 }} data-testid="attachments">
      {shown.length > 0 && (
        <Image.PreviewGroup>
          <Space wrap style={{ marginBottom: 8 }}>
            {shown.map((f) => (
              <Image key={f.id} src={previews[f.id]} alt={f.filename || ''} width={120} height={90}
                style={{ objectFit: 'cover', border: '1px solid #f0f0f0' }} data-testid="attachment-preview" />
            ))}
          </Space>
        </Image.PreviewGroup>
      )}
      <Space wrap>
        {files.map((f) => (
          <Space.Compact key={f.id}>
            <Tag icon={<PaperClipOutlined />} style={{ cursor: 'pointer' }} onClick={() => download(f)} data-testid="attachment">
              {f.filename || t('attachment')}{f.size ? ` (${Math.ceil(f.size / 1024)} KB)` : ''}
            </Tag>
            {looksLikePdf(f) && (!f.size || f.size <= PDF_PREVIEW_MAX_BYTES) && (
              <Button size="small" type="text" icon={<EyeOutlined />} onClick={() => setPdf(f)}
                aria-label={t('Preview')} title={t('Preview')} data-testid="pdf-open" />
            )}
          </Space.Compact>
        ))}
        {files.length > 1 && (
          <Button size="small" icon={<DownloadOutlined />} loading={zipping} onClick={downloadAll} data-testid="download-all">
            {t('Download all ({{count}})', { count: files.length })}
          </Button>
        )}
      </Space>
      {pdf && <PdfPreview file={pdf} onClose={() => setPdf(null)} onDownload={() => download(pdf)} />}
    </div>
  );
}
