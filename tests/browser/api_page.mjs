// `email-manager demo` and its API page in headless Chromium, as a newcomer meets them:
// the printed link opens the page with the token filled (and taken out of the address
// bar), the page lists the actions from /api/openapi.json, and sending one from the page
// answers with the demo's mailboxes; nothing breaks the page's own strict CSP. Run by
// .ci/run:   SIDECAR_BIN=… ARTIFACTS_DIR=… node tests/browser/api_page.mjs
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';
import { assert, check, summary } from '../harness/checks.mjs';
import { chromiumOptions } from '../harness/browser.mjs';

const { SIDECAR_BIN } = process.env;
if (!SIDECAR_BIN) {
  console.error('set SIDECAR_BIN');
  process.exit(2);
}
const artifacts = process.env.ARTIFACTS_DIR || 'target/artifacts';
fs.mkdirSync(artifacts, { recursive: true });

const demo = spawn(SIDECAR_BIN, ['demo', '--port', '0', '--messages', '8'], {
  env: { ...process.env, EMAIL_MANAGER__LOG__LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const link = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the demo was not ready in 2 minutes')), 120000);
  readline.createInterface({ input: demo.stdout }).on('line', (line) => {
    const found = /(http:\/\/127\.0\.0\.1:\d+\/api-docs#token=\S+)/.exec(line);
    if (found) { clearTimeout(timer); resolve(found[1]); }
  });
  demo.on('exit', (code) => reject(new Error(`the demo exited (${code})`)));
});

let browser;
try {
  browser = await chromium.launch(chromiumOptions());
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (entry) => { if (entry.type() === 'error') problems.push(entry.text()); });

  await check('api page: the printed link opens it with the token filled, out of the address bar', async () => {
    await page.goto(link);
    await page.locator('details').first().waitFor({ timeout: 15000 });
    assert(!page.url().includes('token='), `the token stays in the address: ${page.url()}`);
    const token = await page.locator('#token').inputValue();
    assert(token && link.endsWith(token), 'the token field is empty');
    const count = await page.locator('details').count();
    assert(count > 30, `only ${count} actions listed`);
  });

  await check('api page: an action sent from the page answers with the demo mailboxes', async () => {
    await page.locator('#filter').fill('mailAccounts:list');
    const action = page.locator('details:not([hidden])').filter({ hasText: '/api/mailAccounts:list' }).first();
    await action.locator('summary').click();
    await action.getByRole('button', { name: /Send/ }).click();
    await action.locator('pre').getByText('demo@outlook.test').waitFor({ timeout: 15000 });
    const shown = await action.locator('pre').textContent();
    assert(shown.startsWith('200') && shown.includes('demo@gmail.test'), shown.slice(0, 200));
    await page.screenshot({ path: path.join(artifacts, 'api-page.png'), fullPage: false });
    assert(problems.length === 0, `the page reported: ${problems.join(' | ')}`);
  });
} finally {
  if (browser) await browser.close();
  demo.kill('SIGTERM');
}
process.exit(summary('api-page'));
