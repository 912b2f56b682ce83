import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLive, plan, progress, statusActions } from '../src/client/campaigns/campaignPlan.mjs';

test('a campaign offers the changes mailCampaigns:update accepts from its status', () => {
  assert.deepEqual(statusActions('draft').map((a) => a.key), ['start', 'cancel', 'delete']);
  assert.deepEqual(statusActions('running').map((a) => a.status), ['paused', 'cancelled']);
  assert.deepEqual(statusActions('paused').map((a) => a.status), ['running', 'cancelled']);
  assert.deepEqual(statusActions('done'), []);
  assert.deepEqual(statusActions('cancelled'), []);
  assert.ok(isLive('running') && !isLive('paused'));
});

test('progress counts what is no longer queued', () => {
  assert.equal(progress({ queued: 3, sent: 5, failed: 1, skipped: 1 }), 70);
  assert.equal(progress({ queued: 0, sent: 0, failed: 0, skipped: 0 }), 100);
});

test('a consumer Gmail mailbox with 480 of 500 used sends 20 today and the rest over the next days', () => {
  const p = plan({ perDay: 500, perMinute: null, sentLastDay: 480, allowedNow: 20, waiting: 0 }, 1200);
  assert.deepEqual(p, { unlimited: false, now: 20, today: 20, later: 1180, days: 3, minutes: 0 });
});

test('another running campaign of the mailbox takes its share first', () => {
  const p = plan({ perDay: 2000, perMinute: null, sentLastDay: 0, allowedNow: 2000, waiting: 1900 }, 300);
  assert.deepEqual(p, { unlimited: false, now: 100, today: 100, later: 200, days: 1, minutes: 0 });
});

test('Microsoft 365 at 30 a minute: all today, paced over minutes', () => {
  const p = plan({ perDay: 10000, perMinute: 30, sentLastDay: 10, allowedNow: 20, waiting: 0 }, 500);
  assert.equal(p.days, 0);
  assert.equal(p.today, 500);
  assert.equal(p.minutes, 17);
  assert.equal(p.now, 20, 'this minute has 20 left');
});

test('no limits configured: everything at once', () => {
  assert.deepEqual(plan({ perDay: null, perMinute: null, sentLastDay: 0, allowedNow: null, waiting: 0 }, 50),
    { unlimited: true, now: 50, today: 50, later: 0, days: 0, minutes: 0 });
  assert.equal(plan(null, 5), null);
});
