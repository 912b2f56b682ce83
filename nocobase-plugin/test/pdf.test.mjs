import assert from 'node:assert/strict';
import test from 'node:test';
import { isPdf, looksLikePdf } from '../src/client/mail/pdf.mjs';

const bytes = (text) => new TextEncoder().encode(text);

test('a PDF is known by its header, also after leading junk within the first KiB', () => {
  assert.equal(isPdf(bytes('%PDF-1.7\n%âãÏÓ\n1 0 obj')), true);
  assert.equal(isPdf(bytes(`${' '.repeat(500)}%PDF-1.4`)), true);
  assert.equal(isPdf(bytes(`${' '.repeat(1100)}%PDF-1.4`)), false);
});

test('HTML or an image named .pdf is not previewed as a PDF', () => {
  assert.equal(isPdf(bytes('<!doctype html><script>parent.document.cookie</script>')), false);
  assert.equal(isPdf(new Uint8Array([0x89, 0x50, 0x4e, 0x47])), false);
  assert.equal(isPdf(new Uint8Array([])), false);
  assert.equal(isPdf(bytes('%PDF')), false);
});

test('candidates by type or name', () => {
  assert.equal(looksLikePdf({ contentType: 'application/pdf', filename: 'x' }), true);
  assert.equal(looksLikePdf({ contentType: 'application/octet-stream', filename: 'Invoice.PDF' }), true);
  assert.equal(looksLikePdf({ contentType: 'image/png', filename: 'a.png' }), false);
});
