// Quoted originals folded away in the reading pane, as Gmail's "···" does: a reply shows
// what its writer wrote, and the quote is one click away. Forwards are never folded (what
// was forwarded is the point of them).

/** Subjects of forwards in the languages we ship and common clients write. */
const FORWARD = /^\s*(fwd?|fw|wg|tr|rv|pd|转发|轉寄)\s*[:：]/i;

/** A line that introduces a quote: "On … wrote:", Polish and Chinese clients' own, Outlook's. */
const ATTRIBUTION = /(wrote|napisał\(a\)|napisał|napisała|写道|寫道)\s*[:：]\s*$/i;
const OUTLOOK_HEADER = /^\s*(-{3,}\s*original message\s*-{3,}|_{10,})\s*$/i;

/** Where a text body's quote begins (line index), or -1. The quote is the trailing run of
 * `>` lines (with blanks), with the attribution line before it; or Outlook's
 * "-----Original Message-----" / underline block followed by "From:". Nothing is folded
 * when the writer's own text above it would be empty. */
export function textQuoteStart(text) {
  const lines = String(text || '').split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (line.startsWith('>')) start = i;
    else break;
  }
  if (start >= 0) {
    let before = start - 1;
    while (before >= 0 && lines[before].trim() === '') before -= 1;
    // Attributions wrapped over two lines ("On Mon, … <ann@x>\nwrote:") first.
    if (before >= 1 && /^\s*wrote:\s*$/i.test(lines[before])) start = before - 1;
    else if (before >= 0 && ATTRIBUTION.test(lines[before])) start = before;
  } else {
    const header = lines.findIndex((line, i) => OUTLOOK_HEADER.test(line)
      && lines.slice(i + 1, i + 3).some((next) => /^\s*(from|od|发件人)\s*[:：]/i.test(next)));
    start = header;
  }
  if (start <= 0) return -1;
  const own = lines.slice(0, start).join('\n').trim();
  return own ? start : -1;
}

/** `{own, quoted}` of a text body; `quoted` is '' when nothing is folded. */
export function splitTextQuote(text) {
  const start = textQuoteStart(text);
  if (start < 0) return { own: String(text || ''), quoted: '' };
  const lines = String(text).split('\n');
  return { own: lines.slice(0, start).join('\n').replace(/\s+$/, ''), quoted: lines.slice(start).join('\n') };
}

// What marks a quote in sanitized HTML: Gmail's and our own classes, Outlook's ids (the
// service keeps exactly these), Apple Mail's and Thunderbird's cite blockquote.
const QUOTE_SELECTORS = [
  'div.gmail_quote', 'blockquote.gmail_quote', 'div.quote',
  '#divRplyFwdMsg', '#divRplyFwdMsg ~ *', '#appendonsend ~ *', 'blockquote[type="cite"]',
];
const QUOTE_MARK = /class="[^"]*\b(gmail_quote|quote)\b|id="(divRplyFwdMsg|appendonsend)"|<blockquote[^>]*type="cite"/i;

/** Whether an HTML body has a quote to fold (and is not a forward). */
export function htmlHasQuote(html, subject) {
  if (!html || FORWARD.test(String(subject || ''))) return false;
  return QUOTE_MARK.test(html);
}

/** Whether a text body has a quote to fold (and is not a forward). */
export function textHasQuote(text, subject) {
  if (FORWARD.test(String(subject || ''))) return false;
  return textQuoteStart(text) >= 0;
}

/** The style rule that hides the quote inside the message's frame. */
export const FOLD_QUOTES_CSS = `${QUOTE_SELECTORS.join(', ')} { display: none !important; }`;
