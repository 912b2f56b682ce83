// A message's attachments as NocoBase files (the "attachments" collection, in the default
// storage), for a trigger configured to hand them on: a workflow can then put them in a
// record's attachment field. Downloaded from the sidecar as the workflow's owner, so only
// files of mail the owner may read; inline images are not attachments.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');

// At most this many files and bytes a message: a workflow is not a mail archive.
const MAX_FILES = 20;
const MAX_BYTES = 25 * 1024 * 1024;

/** A file name safe on any storage: no directories, no control characters. */
function safeName(name, fallback) {
  const base = path.basename(String(name || '')).replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_').trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 200) : fallback;
}

/** Stores the attachments of `message` as NocoBase files; their records, as JSON. */
async function filesOf(plugin, owner, message) {
  const fileManager = plugin.app.pm.get('file-manager');
  if (!fileManager || typeof fileManager.createFileRecord !== 'function') return [];
  const wanted = (message.attachments || []).filter((a) => !a.inline).slice(0, MAX_FILES);
  const records = [];
  let total = 0;
  for (const attachment of wanted) {
    if (attachment.size && total + attachment.size > MAX_BYTES) break;
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'email-manager-'));
    try {
      // One file that cannot be fetched or stored does not keep the others back.
      const response = await plugin.sidecar.fetch('mailAttachments:download', { as: owner, query: `filterByTk=${attachment.id}` });
      if (!response.ok || !response.body) throw new Error(`the email service answered ${response.status}`);
      const file = path.join(dir, safeName(attachment.filename, `attachment-${attachment.id}`));
      await pipeline(Readable.fromWeb(response.body), fs.createWriteStream(file));
      total += (await fs.promises.stat(file)).size;
      const record = await fileManager.createFileRecord({
        collectionName: 'attachments',
        filePath: file,
        values: { title: safeName(attachment.filename, `attachment-${attachment.id}`) },
      });
      records.push(record.toJSON ? record.toJSON() : record);
    } catch (error) {
      plugin.app.logger.warn('email manager: an attachment could not be stored as a file for a workflow', { attachment: attachment.id, cause: error && error.message });
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }
  return records;
}

module.exports = { filesOf, safeName, MAX_FILES, MAX_BYTES };
