// The Email page with a 100,000-message mailbox, in a real NocoBase and headless Chromium
// (#24: "the inbox paints its first page in under a second and scrolls without loading
// everything"). Release binaries, as users run them:
//
//   cargo build --release --workspace --bins
//   node nocobase-plugin/scripts/build.mjs --out /tmp/plugout
//   NB_APP=~/.cache/email-manager-ci/nocobase/app-2.2.15 \
//   SIDECAR_BIN=$CARGO_TARGET_DIR/release/email-manager EMULATOR_BIN=$CARGO_TARGET_DIR/release/provider-emulator \
//   PLUGIN_TGZ=/tmp/plugout/*.tgz [MESSAGES=100000] [ROWS=1000] [RUNS=5] node benches/nocobase/mail_page.mjs
//
// A fresh NocoBase (SQLite) gets the plugin, the sidecar (SQLite) syncs a generated Gmail
// mailbox of MESSAGES messages from the emulator (connected through the consent page, as
// a user connects), and then, in both list views (conversations, the default, and single
// messages), RUNS times each:
//   - open:   a full navigation to the Email page (NocoBase's own app loads first; the
//             browser's cache warm after the first run), until the first row is drawn;
//   - inbox:  from a click on the Mail tab (the app loaded) until the first row is drawn:
//             the inbox's own paint;
//   - page:   ROWS rows read page by page (the list is paged, 25 rows a page): from a click
//             on "next" until the next page's first row is drawn, each page;
// and the list calls alone, through NocoBase's proxy (first page and the page ROWS deep).
// Rows in the page's DOM and the JS heap before and after paging show that nothing
// accumulates. Prints one JSON object per measurement and a summary table.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tests/harness/checks.mjs';
import { chromiumOptions, signedIn } from '../../tests/harness/browser.mjs';
import { NocoBase, ROOT, loadSdk, through } from '../../tests/harness/nocobase.mjs';
import { Services, emulatorEndpoints } from '../../tests/harness/services.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// Playwright comes with the browser tests' install (tests/browser: npm ci).
const { chromium } = createRequire(path.join(here, '../../tests/browser/package.json'))('playwright-core');

const { NB_APP, SIDECAR_BIN, EMULATOR_BIN, PLUGIN_TGZ } = process.env;
if (!NB_APP || !SIDECAR_BIN || !EMULATOR_BIN || !PLUGIN_TGZ) {
  console.error('set NB_APP, SIDECAR_BIN, EMULATOR_BIN and PLUGIN_TGZ');
  process.exit(2);
}
const MESSAGES = Number(process.env.MESSAGES || 100000);
const ROWS = Number(process.env.ROWS || 1000);
const RUNS = Number(process.env.RUNS || 5);
const PAGE_SIZE = 25;
const PLUGIN = '@email-manager-sidecar/plugin-email-manager';
const MAILBOX = 'volume@gmail.test';
const APP_KEY = crypto.randomBytes(32).toString('hex');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-mail-page-'));
const services = new Services(work);
const { APIClient } = loadSdk(NB_APP);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const ms = (x) => Math.round(x);

let browser;
try {
  const emulator = await services.emulator(EMULATOR_BIN);
  const nocobase = await NocoBase.create(NB_APP, services, 'nocobase');
  const sidecarPort = await freePort();
  nocobase.cli(['install'], APP_KEY);
  nocobase.cli(['pm', 'add', path.resolve(PLUGIN_TGZ)], APP_KEY);
  await nocobase.start(APP_KEY, { EMAIL_MANAGER_URL: `http://127.0.0.1:${sidecarPort}` });
  await services.sidecar(SIDECAR_BIN, 'bench', {
    EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${sidecarPort}`,
    EMAIL_MANAGER__SERVER__PUBLIC_URL: nocobase.url,
    EMAIL_MANAGER__NOCOBASE__URL: nocobase.url,
    EMAIL_MANAGER__NOCOBASE__APP_KEY: APP_KEY,
    EMAIL_MANAGER__CORS__ALLOWED_ORIGINS: nocobase.url,
    EMAIL_MANAGER__SYNC__ENABLED: 'true',
    EMAIL_MANAGER__SYNC__INTERVAL_SECS: '3600',
    EMAIL_MANAGER__LOG__LEVEL: 'warn',
    // Gmail's per-user pacing (and the emulator's quota below) off: what is measured is
    // the page, not how fast a 100,000-message mailbox may sync at Google's limits
    // (docs/benchmarks.md has that).
    EMAIL_MANAGER__SYNC__GMAIL_UNITS_PER_MINUTE: '0',
    ...emulatorEndpoints(emulator.url),
  });
  await emulator.control('/quota', { provider: 'google', unitsPerMinute: 0 });
  const clientId = 'bench-app.apps.googleusercontent.com';
  const clientSecret = 'bench-secret-123456';
  await emulator.control('/clients', { provider: 'google', clientId, clientSecret, redirectUris: [`${nocobase.url}/api/mailOAuth:callback`] });
  const made = Date.now();
  await emulator.control('/users', { provider: 'google', email: MAILBOX, name: 'Val Volume', messages: MESSAGES, seed: 11 });
  console.log(`# the emulator made ${MESSAGES} messages in ${((Date.now() - made) / 1000).toFixed(1)} s`);

  const nb = new APIClient({ baseURL: `${nocobase.url}/api/`, storageType: 'memory' });
  await nb.auth.signIn(ROOT, 'basic');
  const token = nb.auth.getToken();
  await nb.request({ url: 'pm:enable', method: 'post', params: { filterByTk: PLUGIN } });
  for (const until = Date.now() + 60000; ; await sleep(500)) {
    try {
      if ((await through(nocobase, 'mailProviders:list', token)).status === 200) break;
    } catch { /* NocoBase reloads its plugins */ }
    if (Date.now() > until) throw new Error('the plugin did not come up');
  }
  const saved = await through(nocobase, 'mailProviders:update?filterByTk=google', token, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId, clientSecret, enabled: true }),
  });
  if (saved.status !== 200) throw new Error(`mailProviders:update ${saved.status} ${JSON.stringify(saved.body)}`);

  browser = await chromium.launch(chromiumOptions());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await signedIn(page, nocobase.url, token);

  // Connected as a user connects: the button, the consent page, back.
  await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
  await page.getByRole('button', { name: 'Connect Gmail' }).click({ timeout: 120000 });
  await page.waitForURL((url) => url.href.startsWith(emulator.url), { timeout: 15000 });
  await page.fill('input[name="email"]', MAILBOX);
  await page.click('button[value="allow"]');
  await page.getByText('Mailbox connected').waitFor({ timeout: 60000 });
  const syncStarted = Date.now();
  let account;
  for (;;) {
    account = (await through(nocobase, 'mailAccounts:list', token)).body.data.find((a) => a.email === MAILBOX);
    if (account && account.messageCount >= MESSAGES && account.sync && account.sync.phase === 'idle') break;
    if (Date.now() - syncStarted > 30 * 60 * 1000) throw new Error(`not synced: ${JSON.stringify(account)}`);
    await sleep(2000);
  }
  const syncSecs = (Date.now() - syncStarted) / 1000;
  console.log(`# ${account.messageCount} messages synced in ${syncSecs.toFixed(1)} s (release sidecar on SQLite, quotas off)`);

  const results = [];
  const record = (what) => {
    results.push(what);
    console.log(JSON.stringify(what));
  };
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const heapMiB = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 1024 / 1024;
  };

  for (const view of ['conversations', 'messages']) {
    const rowId = view === 'conversations' ? 'thread-row' : 'message-row';
    const action = view === 'conversations' ? 'mailThreads:list' : 'mailMessages:list';
    await page.evaluate((v) => localStorage.setItem('emailManager.listView', v), view);
    const firstRow = page.getByTestId(rowId).first();

    // A full navigation to the page: NocoBase's app, then the inbox.
    const open = [];
    for (let run = 0; run < RUNS; run += 1) {
      const at = Date.now();
      await page.goto(`${nocobase.url}/admin/email-manager`);
      await firstRow.waitFor({ timeout: 60000 });
      open.push(Date.now() - at);
    }
    // The inbox alone: from the Mail tab's click, the app loaded.
    const inbox = [];
    for (let run = 0; run < RUNS; run += 1) {
      await page.getByRole('tab', { name: 'My to-dos' }).click();
      await firstRow.waitFor({ state: 'detached', timeout: 15000 });
      const at = Date.now();
      await page.getByRole('tab', { name: 'Mail', exact: true }).click();
      await firstRow.waitFor({ timeout: 60000 });
      inbox.push(Date.now() - at);
    }
    // ROWS rows, page by page.
    const heapBefore = await heapMiB();
    const pages = [];
    let maxRows = 0;
    for (let n = PAGE_SIZE; n < ROWS; n += PAGE_SIZE) {
      const before = await firstRow.getAttribute('data-row-id');
      const at = Date.now();
      await page.locator('.ant-pagination-next').click();
      await page.waitForFunction(([testId, id]) => {
        const row = document.querySelector(`[data-testid="${testId}"]`);
        return row && row.getAttribute('data-row-id') !== id;
      }, [rowId, before], { timeout: 60000, polling: 'raf' });
      pages.push(Date.now() - at);
      maxRows = Math.max(maxRows, await page.getByTestId(rowId).count());
    }
    const heapAfter = await heapMiB();
    await page.screenshot({ path: path.join(work, `mail-page-${view}.png`) });
    // The list calls alone, through NocoBase's proxy.
    const call = async (p) => {
      const times = [];
      for (let run = 0; run < RUNS; run += 1) {
        const at = Date.now();
        const got = await through(nocobase, `${action}?page=${p}&pageSize=${PAGE_SIZE}&sort=-date&filter=${encodeURIComponent(JSON.stringify({ accountId: account.id }))}`, token);
        if (got.status !== 200) throw new Error(`${action} ${got.status}`);
        times.push(Date.now() - at);
      }
      return times;
    };
    const apiFirst = await call(1);
    const apiDeep = await call(ROWS / PAGE_SIZE);
    record({
      view, messages: MESSAGES,
      openMedianMs: ms(median(open)), openFirstMs: ms(open[0]),
      inboxMedianMs: ms(median(inbox)), inboxMaxMs: ms(Math.max(...inbox)),
      pages: pages.length, pageMedianMs: ms(median(pages)), pageP95Ms: ms(p95(pages)), pagesTotalMs: ms(pages.reduce((a, b) => a + b, 0)),
      rowsInDomMax: maxRows, heapBeforeMiB: Number(heapBefore.toFixed(1)), heapAfterMiB: Number(heapAfter.toFixed(1)),
      apiFirstMedianMs: ms(median(apiFirst)), apiDeepMedianMs: ms(median(apiDeep)),
    });
  }
  console.log(`\n| view | open (median, first) | inbox paint (median, max) | next page (median, p95) | ${ROWS} rows in all | rows in DOM | JS heap before → after | list call p.1, p.${ROWS / PAGE_SIZE} |`);
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.view} | ${r.openMedianMs} ms, ${r.openFirstMs} ms | ${r.inboxMedianMs} ms, ${r.inboxMaxMs} ms | ${r.pageMedianMs} ms, ${r.pageP95Ms} ms | ${(r.pagesTotalMs / 1000).toFixed(1)} s | ${r.rowsInDomMax} | ${r.heapBeforeMiB} → ${r.heapAfterMiB} MiB | ${r.apiFirstMedianMs} ms, ${r.apiDeepMedianMs} ms |`);
  }
  console.log(`# screenshots in ${work}`);
} catch (error) {
  console.error(error);
  services.printLogs();
  process.exitCode = 1;
} finally {
  if (browser) await browser.close();
  await services.stopAll();
}
