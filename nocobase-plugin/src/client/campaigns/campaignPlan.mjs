// What the mail-merge screens work out without asking the service: which status changes a
// campaign allows (the same as `mailCampaigns:update` accepts), and what a mailbox's
// allowance means for a campaign of some size (how much can go now, how long the rest
// takes). Pure, so it is tested without a browser.

/** The buttons a campaign in `status` shows: the change each makes (`status` it asks for,
 * or `destroy`). */
export function statusActions(status) {
  switch (status) {
    case 'draft':
      return [{ key: 'start', status: 'running' }, { key: 'cancel', status: 'cancelled' }, { key: 'delete', destroy: true }];
    case 'running':
      return [{ key: 'pause', status: 'paused' }, { key: 'cancel', status: 'cancelled' }];
    case 'paused':
      return [{ key: 'resume', status: 'running' }, { key: 'cancel', status: 'cancelled' }];
    default:
      return [];
  }
}

/** Whether a campaign in `status` may still change by itself (worth watching live). */
export function isLive(status) {
  return status === 'running';
}

/** Share of a campaign's recipients that are done with (sent, failed or skipped), 0–100. */
export function progress(counts) {
  if (!counts) return 0;
  const total = counts.queued + counts.sent + counts.failed + counts.skipped;
  if (!total) return 100;
  return Math.floor(((total - counts.queued) * 100) / total);
}

/**
 * For `recipients` more to send, given `allowance` (`mailCampaigns:allowance`'s data):
 * `{unlimited, now, today, later, days, minutes}` — how many can go at once, how many
 * within the next 24 hours (both after the mailbox's other campaigns take theirs), how
 * many must wait for later days and how many days that is, and about how many minutes
 * the per-minute pace makes it last (0 when there is no such pace).
 */
export function plan(allowance, recipients) {
  if (!allowance) return null;
  const { perDay, perMinute, sentLastDay, allowedNow, waiting } = allowance;
  const ahead = waiting || 0;
  if (perDay == null && perMinute == null) {
    return { unlimited: true, now: recipients, today: recipients, later: 0, days: 0, minutes: 0 };
  }
  const now = Math.min(recipients, Math.max(0, (allowedNow == null ? recipients + ahead : allowedNow) - ahead));
  const dayLeft = perDay == null ? recipients : Math.max(0, perDay - (sentLastDay || 0) - ahead);
  const today = Math.min(recipients, dayLeft);
  const later = recipients - today;
  const days = later > 0 && perDay ? Math.ceil(later / perDay) : 0;
  const minutes = perMinute ? Math.ceil(Math.min(ahead + recipients, ahead + today) / perMinute) : 0;
  return { unlimited: false, now, today, later, days, minutes };
}
