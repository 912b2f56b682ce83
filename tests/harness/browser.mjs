// Headless Chromium as every browser check and benchmark launches it: Debian's package
// (never a downloaded browser), with the background traffic a test machine has no use for
// switched off. The callers bring Playwright (tests/browser's install).

/** Options for `chromium.launch`. */
export function chromiumOptions() {
  return {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  };
}

/** Leaves `page` (at NocoBase's origin `url`) signed in with `token`, as NocoBase's own
 * sign-in page leaves it, in English. */
export async function signedIn(page, url, token) {
  await page.goto(`${url}/signin`);
  await page.evaluate((t) => {
    localStorage.setItem('NOCOBASE_TOKEN', t);
    localStorage.setItem('NOCOBASE_AUTH', 'basic');
    localStorage.setItem('NOCOBASE_LOCALE', 'en-US');
  }, token);
}
