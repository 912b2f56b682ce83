import assert from 'node:assert/strict';
import test from 'node:test';
import { syncProgress } from '../src/client/accounts/syncProgress.mjs';

test('nothing is shown while no sync runs', () => {
  assert.equal(syncProgress(null), null);
  assert.equal(syncProgress({ phase: 'idle', done: 5, total: 10 }), null);
});

test('the percentage is done of total, rounded down: 100% only when all is in', () => {
  assert.deepEqual(syncProgress({ phase: 'initial', done: 250, total: 1000 }), { phase: 'initial', done: 250, total: 1000, percent: 25 });
  assert.equal(syncProgress({ phase: 'initial', done: 999, total: 1000 }).percent, 99);
  assert.equal(syncProgress({ phase: 'initial', done: 1000, total: 1000 }).percent, 100);
});

test('mail that arrived during the import never makes more than 100%', () => {
  assert.deepEqual(syncProgress({ phase: 'initial', done: 1010, total: 1000 }), { phase: 'initial', done: 1010, total: 1010, percent: 100 });
});

test('no total, no bar: a routine sync or an import of recent mail only', () => {
  assert.deepEqual(syncProgress({ phase: 'incremental', done: 3, total: null }), { phase: 'incremental', done: 3, total: null, percent: null });
  assert.deepEqual(syncProgress({ phase: 'initial', done: 40, total: 0 }), { phase: 'initial', done: 40, total: null, percent: null });
});
