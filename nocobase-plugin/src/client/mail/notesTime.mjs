// Due dates of to-dos as the service keeps them: a day the user picked is stored as the
// end of that day, UTC, and shown as that day whatever the browser's time zone (in
// Shanghai the end of the 1st, UTC, is already the morning of the 2nd).

const END_OF_DAY = /^(\d{4}-\d{2}-\d{2})T23:59:59(\.0+)?Z$/;

/** The due date to show: the day for a picked day, else the local date and time. */
export function dueLabel(dueAt, locale) {
  const day = END_OF_DAY.exec(dueAt || '');
  if (day) return day[1];
  return new Date(dueAt).toLocaleString(locale);
}

/** Whether the due time has passed at `now`. */
export function isOverdue(dueAt, now = Date.now()) {
  const at = Date.parse(dueAt);
  return Number.isFinite(at) && at < now;
}

/** To-dos soonest due first, those without a due date last, then oldest first. */
export function byDue(a, b) {
  const da = a.dueAt ? Date.parse(a.dueAt) : Infinity;
  const db = b.dueAt ? Date.parse(b.dueAt) : Infinity;
  if (da !== db) return da < db ? -1 : 1;
  return Date.parse(a.createdAt) - Date.parse(b.createdAt);
}
