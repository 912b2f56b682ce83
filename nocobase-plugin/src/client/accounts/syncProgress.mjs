// What the accounts page says of a running sync, from the account's `sync`
// ({phase, done, total}). The bar and its words come from the same two numbers, so the
// percentage always matches "done of total" (#24); a sync with no total (routine syncs,
// and first imports limited to recent mail) has no bar.

/** null when nothing runs; else {phase, done, total, percent}, total and percent null
 * when there is nothing to count up to. */
export function syncProgress(sync) {
  if (!sync || !sync.phase || sync.phase === 'idle') return null;
  const done = Math.max(0, Number(sync.done) || 0);
  if (!sync.total || sync.total <= 0) return { phase: sync.phase, done, total: null, percent: null };
  // Mail that arrives during an import is counted too: the total is never below done.
  const total = Math.max(Number(sync.total), done);
  // Rounded down: 100% only when everything is in.
  return { phase: sync.phase, done, total, percent: Math.floor((done * 100) / total) };
}
