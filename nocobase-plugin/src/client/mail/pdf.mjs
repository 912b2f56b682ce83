// Which attachments open in the browser's own PDF viewer. Only bytes that are a PDF are
// shown there, whatever the sender labelled them: the blob handed to the viewer is typed
// application/pdf by us, and bytes that do not start as a PDF (within the first KiB, as
// readers allow) are offered as a download instead of being rendered as anything else.

/** Largest PDF previewed in place; bigger ones are downloaded. */
export const PDF_PREVIEW_MAX_BYTES = 25 * 1024 * 1024;

/** Whether an attachment looks like a PDF by its type or name (before fetching it). */
export function looksLikePdf(file) {
  return /^application\/(x-)?pdf$/i.test(file.contentType || '') || /\.pdf$/i.test(file.filename || '');
}

/** Whether `bytes` (a Uint8Array) hold a PDF: `%PDF-` within the first 1024 bytes. */
export function isPdf(bytes) {
  const mark = [0x25, 0x50, 0x44, 0x46, 0x2d];
  const end = Math.min(bytes.length - mark.length, 1024 - mark.length);
  for (let i = 0; i <= end; i += 1) {
    if (mark.every((b, k) => bytes[i + k] === b)) return true;
  }
  return false;
}
