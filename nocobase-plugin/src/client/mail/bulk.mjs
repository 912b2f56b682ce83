// Actions on many messages at once: the ids go to `mailMessages:update` / `:destroy` in
// batches (the API takes up to 1,000 per request; smaller ones let the progress move), and
// what the provider refused is counted, never lost in a toast.

export const BATCH = 500;

/** The first error a failed request carries, as `{code, message}`. */
function reason(error) {
  const first = error && error.response && error.response.data && error.response.data.errors && error.response.data.errors[0];
  return { code: (first && first.code) || 'REQUEST_FAILED', message: (first && first.message) || (error && error.message) || String(error) };
}

/**
 * Applies `values` (an update: `{isRead}`, `{isStarred}`, `{folderId}`) or, with `values`
 * null, moves to the trash, over `ids`. `call(action, {params, values})` is the mail API's.
 * `onProgress({done, total, failed})` after each batch. → `{done, total, failed: [{id, code,
 * message}]}`; a batch the service refused whole counts each of its ids as failed.
 */
export async function applyInBatches(call, ids, values, onProgress = () => {}, size = BATCH) {
  const unique = [...new Set(ids)];
  const total = unique.length;
  const failed = [];
  let done = 0;
  for (let at = 0; at < total; at += size) {
    const batch = unique.slice(at, at + size);
    const action = values ? 'mailMessages:update' : 'mailMessages:destroy';
    try {
      const answer = await call(action, { params: { filterByTk: batch.join(',') }, values: values || {} });
      const refused = (answer && answer.meta && answer.meta.failed) || [];
      failed.push(...refused);
    } catch (error) {
      const { code, message } = reason(error);
      failed.push(...batch.map((id) => ({ id, code, message })));
    }
    done += batch.length;
    onProgress({ done, total, failed: failed.length });
  }
  return { done, total, failed };
}

/** Failures grouped by their reason, most frequent first: `[{code, message, count}]`. */
export function failureSummary(failed) {
  const groups = new Map();
  for (const f of failed) {
    const key = `${f.code}\u0000${f.message}`;
    const group = groups.get(key) || { code: f.code, message: f.message, count: 0 };
    group.count += 1;
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/**
 * Every id a list action matches, page by page (`pageSize` 200, the API's most), up to
 * `limit`: message ids from `mailMessages:list`, or from `mailThreads:list` each thread's
 * `messageIds`. `params` are the list's own (filter, q, sort).
 */
export async function collectIds(call, action, params, limit = 20000, onProgress = () => {}) {
  const ids = [];
  for (let page = 1; ; page += 1) {
    const answer = await call(action, { params: { ...params, page, pageSize: 200 } });
    const rows = answer.data || [];
    for (const row of rows) ids.push(...(row.messageIds || [row.id]));
    onProgress(ids.length);
    const pages = (answer.meta && answer.meta.totalPage) || 1;
    if (page >= pages || rows.length === 0 || ids.length >= limit) break;
  }
  return ids.slice(0, limit);
}
