import assert from 'node:assert/strict';
import test from 'node:test';
import { labelTree } from '../src/client/mail/labelTree.mjs';

const label = (name, kind = 'user') => ({ id: name, name, kind });
const shown = (labels) => labelTree(labels).map((r) => `${'  '.repeat(r.depth)}${r.short}`);

test('nested Gmail labels sit under their parent, by their own name', () => {
  assert.deepEqual(
    shown([label('Clients/Acme'), label('Invoices'), label('Clients'), label('Clients/Beta'), label('Clients/Acme/2026')]),
    ['Clients', '  Acme', '    2026', '  Beta', 'Invoices'],
  );
});

test('a parent that is no label: its children show the rest of their path', () => {
  assert.deepEqual(shown([label('Work/Projects/Alpha'), label('Work')]), ['Work', '  Projects/Alpha']);
  assert.deepEqual(shown([label('Archive/2025')]), ['Archive/2025']);
});

test("siblings sort by name, numbers as numbers, and the provider's categories come last", () => {
  assert.deepEqual(
    shown([label('Updates', 'system'), label('b'), label('Item 10'), label('Item 9'), label('A'), label('Personal', 'system')]),
    ['A', 'b', 'Item 9', 'Item 10', 'Personal', 'Updates'],
  );
});

test('a slash at the edge or doubled is no level', () => {
  assert.deepEqual(shown([label('/odd/'), label('x//y'), label('x')]), ['odd', 'x', '  y']);
});
