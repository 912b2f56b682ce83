// The values of mailMessages:send from a "Send email" node: its configuration with the
// workflow's variables filled (`parsed`), a rendered template's subject and body when the
// node uses one, and the files of record attachment fields, read from NocoBase's storage
// when the send goes (the pending job keeps the file records, not their bytes).

// Files a node attaches, at most (the sidecar limits the message's size anyway).
const MAX_FILES = 20;

/** Addresses from what a variable gave: text (commas, semicolons, new lines), lists, people. */
function addressesOf(value) {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.flatMap(addressesOf);
  if (typeof value === 'object') return addressesOf(value.address || value.email || '');
  return String(value)
    .split(/[,;\n]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The file records a variable gave (one, or a list). */
function filesOf(value) {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((file) => file && typeof file === 'object' && (file.path !== undefined || file.url));
}

async function readFile(plugin, file) {
  const fileManager = plugin.app.pm.get('file-manager');
  if (!fileManager) throw new Error('The file manager plugin is not enabled: record files cannot be attached.');
  const { stream, contentType } = await fileManager.getFileStream(file);
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return {
    // NocoBase keeps the name without its extension as the title.
    filename: file.title
      ? `${file.title}${file.extname && !String(file.title).endsWith(file.extname) ? file.extname : ''}`
      : file.filename || 'attachment',
    contentType: file.mimetype || contentType || 'application/octet-stream',
    content: Buffer.concat(chunks).toString('base64'),
  };
}

/**
 * The send's values. `config` is the node's configuration as saved; `parsed` the same with
 * the variables filled; `rendered` the template's {subject, html, text} when it has one.
 */
function sendValues(config, parsed, rendered) {
  const values = {
    accountId: Number(config.accountId),
    to: addressesOf(parsed.to),
    cc: addressesOf(parsed.cc),
    bcc: addressesOf(parsed.bcc),
    subject: rendered ? rendered.subject : String(parsed.subject || ''),
  };
  if (config.from) values.from = String(config.from);
  if (rendered) {
    values.html = rendered.html;
    if (rendered.text) values.text = rendered.text;
  } else if (config.format === 'text') {
    values.text = String(parsed.body || '');
  } else {
    values.html = String(parsed.body || '');
  }
  if (!values.to.length && !values.cc.length && !values.bcc.length) {
    throw new Error('The email has no recipients: To, Cc and Bcc are all empty.');
  }
  return values;
}

/** The file records to attach (kept with the pending job, read when the send goes). */
function attachedFiles(parsed) {
  return filesOf(parsed.attachments)
    .slice(0, MAX_FILES)
    .map(({ id, title, filename, extname, mimetype, path, url, storageId, size }) => ({ id, title, filename, extname, mimetype, path, url, storageId, size }));
}

/** The send's attachments, read from NocoBase's storage. */
async function readAttachments(plugin, files) {
  return Promise.all((files || []).map((file) => readFile(plugin, file)));
}

module.exports = { sendValues, attachedFiles, readAttachments, addressesOf, filesOf };
