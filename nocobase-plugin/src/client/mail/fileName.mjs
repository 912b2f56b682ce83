// File names made from what mail carries (a subject, an attachment's name): no folders and
// no characters a file system refuses; `fallback` when nothing is left.
export function safeFileName(text, fallback, max = Infinity) {
  return String(text || '').replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim().slice(0, max) || fallback;
}
