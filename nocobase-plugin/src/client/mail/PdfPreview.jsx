// A PDF attachment in the browser's own viewer, in a dialog over the message. The bytes
// come through the API with the caller's token, are checked to be a PDF (pdf.mjs), and
// are handed to the frame as a blob typed application/pdf by us: the browser renders them
// with its PDF viewer or not at all, never as a page of this site. Bytes that are no PDF
// are offered as a download instead.
import { Alert, Button, Modal, Spin } from 'antd';
import React, { useEffect, useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { isPdf } from './pdf.mjs';

export function PdfPreview({ file, onClose, onDownload }) {
  const t = useT();
  const mail = useMailApi();
  const [state, setState] = useState({ loading: true });

  useEffect(() => {
    let live = true;
    let url = null;
    (async () => {
      try {
        const blob = await mail.blob('mailAttachments:download', { filterByTk: file.id });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        if (!live) return;
        if (!isPdf(bytes)) {
          setState({ error: t('This file is not a PDF; download it to open it.') });
          return;
        }
        url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
        setState({ url });
      } catch (error) {
        if (live) setState({ error: errorText(error) });
      }
    })();
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [file.id, mail]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <Modal open title={file.filename || t('attachment')} onCancel={onClose} width="min(1000px, 95vw)" destroyOnClose
      footer={[
        <Button key="download" onClick={onDownload}>{t('Download')}</Button>,
        <Button key="close" type="primary" onClick={onClose} data-testid="pdf-close">{t('Close')}</Button>,
      ]} data-testid="pdf-preview">
      {state.loading && <div style={{ textAlign: 'center', padding: 48 }}><Spin /></div>}
      {state.error && <Alert type="warning" showIcon message={state.error} data-testid="pdf-error" />}
      {state.url && (
        // No `sandbox` attribute: Chromium will not run its PDF viewer in a sandboxed
        // frame (it shows "blocked" instead). What the frame holds is our blob, typed by
        // us as a PDF, so it is the viewer's document and never a page that could script
        // this one; the viewer itself runs isolated from the page.
        <iframe title={file.filename || 'PDF'} src={state.url} data-testid="pdf-frame"
          style={{ width: '100%', height: '75vh', border: '1px solid #f0f0f0' }} />
      )}
    </Modal>
  );
}
