import assert from 'node:assert/strict';
import test from 'node:test';
import { FOLD_QUOTES_CSS, htmlHasQuote, splitTextQuote, textHasQuote } from '../src/client/mail/quotes.mjs';

test('a plain-text reply folds the attribution and the quoted lines', () => {
  const text = 'Paid yesterday.\n\nAnn\n\nOn Mon, 3 Nov 2026 at 10:00, Zed <zed@acme.com> wrote:\n> please pay\n>\n> the invoice\n';
  assert.deepEqual(splitTextQuote(text), {
    own: 'Paid yesterday.\n\nAnn',
    quoted: 'On Mon, 3 Nov 2026 at 10:00, Zed <zed@acme.com> wrote:\n> please pay\n>\n> the invoice\n',
  });
});

test('an attribution wrapped over two lines folds whole', () => {
  const text = 'Yes.\n\nOn Mon, 3 Nov 2026 at 10:00, Zed Longname <zed.longname@acme.com>\nwrote:\n> hi';
  assert.equal(splitTextQuote(text).own, 'Yes.');
});

test('Polish and Outlook quotes fold too', () => {
  assert.equal(splitTextQuote('Tak.\n\nW dniu 3.11.2026 Zed napisał(a):\n> cześć').own, 'Tak.');
  const outlook = 'Done.\n\n-----Original Message-----\nFrom: Zed <zed@acme.com>\nSent: Monday\n\nplease pay';
  assert.equal(splitTextQuote(outlook).own, 'Done.');
});

test('interleaved answers, quote-only bodies and forwards are left whole', () => {
  const interleaved = '> question one\nanswer one\n> question two\nanswer two';
  assert.equal(splitTextQuote(interleaved).quoted, '');
  assert.equal(textHasQuote('> only a quote\n> nothing else', 'Re: x'), false);
  assert.equal(textHasQuote('See below.\n> original', 'Fwd: report'), false);
  assert.equal(textHasQuote('See below.\n> original', 'Re: report'), true);
});

test('HTML quotes are found by the marks the sanitizer keeps, never in forwards', () => {
  assert.equal(htmlHasQuote('<p>ok</p><div class="gmail_quote">old</div>', 'Re: a'), true);
  assert.equal(htmlHasQuote('<p>ok</p><div class="quote">On … wrote:<blockquote>old</blockquote></div>', 'Re: a'), true);
  assert.equal(htmlHasQuote('<p>ok</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg">From:</div>', 'RE: a'), true);
  assert.equal(htmlHasQuote('<p>ok</p><div class="gmail_quote">forwarded</div>', 'Fwd: a'), false);
  assert.equal(htmlHasQuote('<p>plain <b>message</b></p>', 'Hello'), false);
  assert.match(FOLD_QUOTES_CSS, /#appendonsend ~ \*/);
});
