// The event-stream parser the mail pages use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFrames } from '../src/client/mail/sseFrames.mjs';

test('complete frames are parsed, a partial one is kept for the next chunk', () => {
  const [events, rest] = parseFrames('retry: 3000\n: connected\n\nid: 7\nevent: message.created\ndata: {"accountId":3,"count":2}\n\nid: 8\nevent: acc');
  assert.deepEqual(events, [{ id: '7', kind: 'message.created', data: { accountId: 3, count: 2 } }]);
  assert.equal(rest, 'id: 8\nevent: acc');
  const [more, left] = parseFrames(`${rest}ount.updated\ndata: {"accountId":3,"status":"active"}\n\n`);
  assert.deepEqual(more, [{ id: '8', kind: 'account.updated', data: { accountId: 3, status: 'active' } }]);
  assert.equal(left, '');
});

test('comments, keep-alives and frames without JSON data yield nothing', () => {
  const [events, rest] = parseFrames(': keepalive\n\nevent: x\ndata: not json\n\n');
  assert.deepEqual(events, []);
  assert.equal(rest, '');
});

test('CRLF line ends are accepted', () => {
  const [events] = parseFrames('event: resync\r\ndata: {}\r\n\r\n');
  assert.deepEqual(events, [{ id: null, kind: 'resync', data: {} }]);
});
