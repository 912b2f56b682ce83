import assert from 'node:assert/strict';
import test from 'node:test';
import { byDue, dueLabel, isOverdue } from '../src/client/mail/notesTime.mjs';

test('a picked day shows as that day in every time zone', () => {
  assert.equal(dueLabel('2030-03-01T23:59:59Z'), '2030-03-01');
});

test('a due time is overdue once it has passed', () => {
  const due = '2030-03-01T23:59:59Z';
  assert.equal(isOverdue(due, Date.parse('2030-03-01T12:00:00Z')), false);
  assert.equal(isOverdue(due, Date.parse('2030-03-02T00:00:00Z')), true);
  assert.equal(isOverdue(null), false);
});

test('to-dos sort soonest due first, undated last', () => {
  const notes = [
    { id: 1, dueAt: null, createdAt: '2030-01-01T00:00:00Z' },
    { id: 2, dueAt: '2030-05-01T23:59:59Z', createdAt: '2030-01-02T00:00:00Z' },
    { id: 3, dueAt: '2030-04-01T23:59:59Z', createdAt: '2030-01-03T00:00:00Z' },
    { id: 4, dueAt: null, createdAt: '2029-12-01T00:00:00Z' },
  ];
  assert.deepEqual(notes.slice().sort(byDue).map((n) => n.id), [3, 2, 4, 1]);
});
