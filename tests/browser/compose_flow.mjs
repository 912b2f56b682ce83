// The compose file's demo, as a newcomer uses it in a browser: everything through the
// proxy on one origin (NocoBase's pages, the sidecar's API, the OAuth callback), the
// consent pages on the emulator's published port. Signs in on NocoBase's own sign-in
// page, connects the demo Gmail and Outlook mailboxes, opens a message and replies; the
// emulator must hold the reply. Run by tests/docker/compose_up.sh once the demo is up:
//   BASE_URL=http://localhost:13000 EMULATOR_URL=http://localhost:9900 ARTIFACTS_DIR=… node tests/browser/compose_flow.mjs
// Prints "ok - …" per check and a closing "compose-browser: N passed, N failed".
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { assert, check, failed, summary } from '../harness/checks.mjs';
import { chromiumOptions } from '../harness/browser.mjs';

const BASE = process.env.BASE_URL || 'http://localhost:13000';
const EMULATOR = process.env.EMULATOR_URL || 'http://localhost:9900';
const artifacts = process.env.ARTIFACTS_DIR || 'target/artifacts';
fs.mkdirSync(artifacts, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `compose-${name}.png`), fullPage: true });
const MAILBOXES = [
  { button: 'Connect Gmail', email: 'demo@gmail.test' },
  { button: 'Connect Outlook', email: 'demo@outlook.test' },
];
// Each step needs the one before it: after a failure the rest are not tried.
const step = async (name, body) => { if (!failed()) await check(name, body); };
const sentBy = async (email) => (await (await fetch(`${EMULATOR}/_emulator/users/${email}/sent`)).json()).length;

const browser = await chromium.launch(chromiumOptions());
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
const page = await context.newPage();
try {
  await step('NocoBase\'s sign-in page, through the proxy, signs the admin in', async () => {
    await page.goto(`${BASE}/signin`);
    await page.getByPlaceholder('Username/Email').fill('admin@nocobase.com', { timeout: 120000 });
    await page.getByPlaceholder('Password').fill('admin123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/admin'), { timeout: 60000 });
    assert(await page.evaluate(() => !!localStorage.getItem('NOCOBASE_TOKEN')), 'no token after signing in');
  });

  for (const { button, email } of MAILBOXES) {
    await step(`"${button}": the emulator's consent page, back through the proxy, the mailbox syncs`, async () => {
      await page.goto(`${BASE}/admin/email-manager?tab=accounts`);
      await page.getByRole('button', { name: button }).click({ timeout: 60000 });
      await page.waitForURL((url) => url.href.startsWith(EMULATOR), { timeout: 15000 });
      await page.fill('input[name="email"]', email);
      await page.click('button[value="allow"]');
      await page.waitForURL((url) => url.href.startsWith(`${BASE}/admin/email-manager`), { timeout: 30000 });
      await page.getByText('Mailbox connected').waitFor({ timeout: 30000 });
      const row = page.getByTestId(`account-${email}`);
      await row.getByTestId('account-status').getByText('Active').waitFor({ timeout: 120000 });
      await shot(page, `accounts-${email.split('@')[1].split('.')[0]}`);
    });
  }

  // A new user's Mail tab lists conversations (the page's default).
  await step('the Mail tab lists the demo mail; a conversation opens', async () => {
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
    const first = page.getByTestId('thread-row').first();
    await first.waitFor({ timeout: 60000 });
    await first.click();
    await page.getByTestId('thread-message').last().getByTestId('message-body').waitFor({ timeout: 30000 });
    const subject = await page.getByTestId('thread-subject').textContent();
    assert(subject && subject.trim().length > 0, 'the opened conversation has no subject');
    await shot(page, 'message');
  });

  await step('a reply leaves through the mailbox: the emulator receives it', async () => {
    const before = (await Promise.all(MAILBOXES.map((m) => sentBy(m.email)))).reduce((a, b) => a + b, 0);
    await page.getByTestId('thread-message').last().getByTestId('reply').click();
    await page.getByTestId('compose-form').waitFor();
    await page.getByTestId('compose-editor').locator('.ql-editor').fill('Replying from the compose demo.');
    await page.getByTestId('compose-send').click();
    await page.locator('.ant-message').getByText('Sent', { exact: true }).waitFor({ timeout: 60000 });
    await page.getByTestId('compose-form').waitFor({ state: 'hidden', timeout: 15000 });
    const after = (await Promise.all(MAILBOXES.map((m) => sentBy(m.email)))).reduce((a, b) => a + b, 0);
    assert(after === before + 1, `the emulator holds ${after} sent messages, ${before} before`);
    await shot(page, 'sent');
  });
} catch (error) {
  await check('the run completes', () => { throw error; });
} finally {
  await page.screenshot({ path: path.join(artifacts, 'compose-last.png'), fullPage: true }).catch(() => {});
  await browser.close();
}
process.exit(summary('compose-browser'));
