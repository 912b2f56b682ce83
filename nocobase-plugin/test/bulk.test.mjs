import assert from 'node:assert/strict';
import test from 'node:test';
import { applyInBatches, collectIds, failureSummary } from '../src/client/mail/bulk.mjs';

test('thousands of ids go in batches, and refusals are counted per message', async () => {
  const ids = Array.from({ length: 1203 }, (_, i) => i + 1);
  const calls = [];
  const progress = [];
  const call = async (action, { params, values }) => {
    const batch = params.filterByTk.split(',').map(Number);
    calls.push({ action, size: batch.length, values });
    // The provider refuses message 7; the third batch fails whole (the provider is down).
    if (batch.includes(1100)) {
      const error = new Error('Request failed with status code 502');
      error.response = { data: { errors: [{ code: 'PROVIDER_UNAVAILABLE', message: 'Google did not answer' }] } };
      throw error;
    }
    return { data: [], meta: { failed: batch.includes(7) ? [{ id: 7, code: 'PROVIDER_REFUSED', message: 'no' }] : [] } };
  };
  const result = await applyInBatches(call, [...ids, 5], { isRead: true }, (p) => progress.push(p));
  assert.deepEqual(calls.map((c) => c.size), [500, 500, 203]);
  assert.ok(calls.every((c) => c.action === 'mailMessages:update' && c.values.isRead === true));
  assert.equal(result.total, 1203, 'a repeated id is sent once');
  assert.equal(result.failed.length, 1 + 203);
  assert.deepEqual(progress.map((p) => p.done), [500, 1000, 1203]);
  assert.deepEqual(failureSummary(result.failed).map((g) => [g.code, g.count]), [['PROVIDER_UNAVAILABLE', 203], ['PROVIDER_REFUSED', 1]]);
});

test('without values the ids go to the trash', async () => {
  const seen = [];
  await applyInBatches(async (action) => { seen.push(action); return { data: 2, meta: { failed: [] } }; }, [1, 2], null);
  assert.deepEqual(seen, ['mailMessages:destroy']);
});

test('"all that match" pages through the list, threads giving their messages', async () => {
  const call = async (action, { params }) => {
    assert.equal(params.pageSize, 200);
    assert.equal(params.q, 'invoice');
    const rows = action === 'mailThreads:list'
      ? [{ id: params.page, messageIds: [params.page * 10, params.page * 10 + 1] }]
      : [{ id: params.page }];
    return { data: rows, meta: { totalPage: 3 } };
  };
  assert.deepEqual(await collectIds(call, 'mailMessages:list', { q: 'invoice' }), [1, 2, 3]);
  assert.deepEqual(await collectIds(call, 'mailThreads:list', { q: 'invoice' }), [10, 11, 20, 21, 30, 31]);
  assert.deepEqual(await collectIds(call, 'mailMessages:list', { q: 'invoice' }, 2), [1, 2]);
});
