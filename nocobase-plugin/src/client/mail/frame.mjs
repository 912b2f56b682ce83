// The document a message's HTML is shown in (inside a sandboxed frame without
// allow-scripts). Its Content-Security-Policy lets nothing load from the network while
// remote images are blocked, whatever the sanitizer might have let through: inline images
// arrive as data: URLs, styles are inline, and scripts are allowed nowhere.

/** The policy: images from data:/blob: only, unless the reader chose to show remote ones. */
export function framePolicy(showRemote) {
  const images = showRemote ? 'data: blob: https: http:' : 'data: blob:';
  return `default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; font-src data:; form-action 'none'`;
}

/** The frame's document: the policy and no referrer first, links opening outside the page;
 * `extraCss` (ours, never the message's) e.g. folds the quoted original away. */
export function frameDocument(html, showRemote, extraCss = '') {
  return '<!doctype html><html><head>'
    + `<meta http-equiv="Content-Security-Policy" content="${framePolicy(showRemote)}">`
    + '<meta name="referrer" content="no-referrer"><base target="_blank">'
    + (extraCss ? `<style>${extraCss}</style>` : '')
    + '</head>'
    + `<body>${html}</body></html>`;
}
