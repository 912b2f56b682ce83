// The printable view: headers are text (a subject cannot add markup), and the page carries
// the reading frame's policy, so nothing in it runs or loads from the network.
import assert from 'node:assert/strict';
import test from 'node:test';
import { printDocument } from '../src/client/mail/print.mjs';

test('a subject or a name with markup stays text', () => {
  const doc = printDocument({ subject: '<img src=x onerror=alert(1)>Hi', rows: [['From', 'Eve "<script>" <eve@x.test>']], text: 'a < b' });
  assert.ok(!doc.includes('<img src=x'));
  assert.ok(!doc.includes('<script>'));
  assert.ok(doc.includes('&lt;img src=x onerror=alert(1)&gt;Hi'));
  assert.ok(doc.includes('<pre>a &lt; b</pre>'));
});

test('the policy comes before the body: no script, no remote load unless asked', () => {
  const doc = printDocument({ subject: 's', rows: [], html: '<p>Body</p>' });
  const policy = doc.indexOf('Content-Security-Policy');
  assert.ok(policy > 0 && policy < doc.indexOf('<p>Body</p>'));
  assert.match(doc, /default-src 'none'; img-src data: blob:;/);
  assert.match(printDocument({ subject: 's', rows: [], html: '', showRemote: true }), /img-src data: blob: https: http:/);
});

test('empty header rows are left out; files are listed by name', () => {
  const doc = printDocument({ subject: 's', rows: [['To', 'a@x.test'], ['Cc', '']], text: 't', files: ['q.pdf', 'r&d.xlsx'], filesLabel: 'Attachments:' });
  assert.ok(doc.includes('<th>To</th>') && !doc.includes('<th>Cc</th>'));
  assert.ok(doc.includes('q.pdf, r&amp;d.xlsx'));
});
