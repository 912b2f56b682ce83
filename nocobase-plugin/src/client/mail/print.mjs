// The printable view of a message: its headers and body on a plain page, printed from a
// frame of its own out of sight (the browser prints that frame's page alone). The frame is
// sandboxed without scripts (same origin only so this page may call its print) and the
// page carries the reading frame's policy: nothing runs in it and nothing loads from the
// network unless the reader showed remote images; the body is the sanitized HTML the
// reading frame shows.
import { escapeHtml } from '../html.mjs';
import { framePolicy } from './frame.mjs';


const PRINT_CSS = 'body{font:14px/1.5 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:24px;color:#000}'
  + 'h1{font-size:20px;margin:0 0 12px}table.headers{border-collapse:collapse;margin-bottom:16px}'
  + 'table.headers th{text-align:left;padding:2px 12px 2px 0;color:#555;font-weight:normal;vertical-align:top}'
  + 'hr{border:0;border-top:1px solid #ccc;margin:16px 0}pre{white-space:pre-wrap;font:inherit}'
  + '@media print{body{margin:0}}';

/** `rows`: [[label, value]] already in the reader's language; `html` (sanitized) or `text`. */
export function printDocument({ subject, rows, html, text, files = [], filesLabel = '', showRemote = false }) {
  const headerRows = rows.filter(([, value]) => value)
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('');
  const body = html ?? `<pre>${escapeHtml(text ?? '')}</pre>`;
  const attached = files.length
    ? `<hr><p><strong>${escapeHtml(filesLabel)}</strong> ${files.map(escapeHtml).join(', ')}</p>`
    : '';
  return '<!doctype html><html><head><meta charset="utf-8">'
    + `<meta http-equiv="Content-Security-Policy" content="${framePolicy(showRemote)}">`
    + '<meta name="referrer" content="no-referrer">'
    + `<title>${escapeHtml(subject)}</title><style>${PRINT_CSS}</style></head>`
    + `<body><h1>${escapeHtml(subject)}</h1><table class="headers">${headerRows}</table><hr>`
    + `<div class="message">${body}</div>${attached}</body></html>`;
}

/** Prints `doc` from a new frame out of sight and returns the frame (the caller removes it). */
export function printInFrame(doc) {
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-same-origin allow-modals');
  frame.setAttribute('aria-hidden', 'true');
  frame.setAttribute('data-testid', 'print-frame');
  // Not display:none: a frame that is not laid out prints blank in some browsers.
  frame.style.cssText = 'position:fixed;right:0;bottom:0;width:0;height:0;border:0';
  frame.srcdoc = doc;
  frame.addEventListener('load', () => frame.contentWindow.print(), { once: true });
  document.body.appendChild(frame);
  return frame;
}
