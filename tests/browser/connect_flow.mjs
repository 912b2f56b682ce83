// Connecting a mailbox in a real browser: the sidecar and the provider emulator run as
// processes, a stand-in NocoBase page in headless Chromium asks the sidecar to authorize
// (so the browser holds the connect's binding cookie), a person's clicks are made on the
// consent page, and the browser lands back on the stand-in page with the outcome. A
// consent link finished in a second browser context (another person's browser) links
// nothing. Run by .ci/run:
//   EMULATOR_BIN=… SIDECAR_BIN=… ARTIFACTS_DIR=… node tests/browser/connect_flow.mjs
// Saves a screenshot of the consent page and prints a closing "browser: N passed, N failed".
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { assert, check, failed, freePort, results, summary, waitFor } from '../harness/checks.mjs';
import { chromiumOptions } from '../harness/browser.mjs';

const { EMULATOR_BIN, SIDECAR_BIN } = process.env;
const artifacts = process.env.ARTIFACTS_DIR || 'target/artifacts';
if (!EMULATOR_BIN || !SIDECAR_BIN) {
  console.error('set EMULATOR_BIN and SIDECAR_BIN');
  process.exit(2);
}
fs.mkdirSync(artifacts, { recursive: true });
const children = [];
const APP_KEY = crypto.randomBytes(24).toString('hex');

/** A NocoBase token, signed as NocoBase signs them (HS256 with APP_KEY). */
function token(claims) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${crypto.createHmac('sha256', APP_KEY).update(body).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const adminKey = token({ userId: 1, roleName: 'admin', iat: now(), exp: now() + 3600 });
const signIn = (userId) => token({ userId, temp: true, jti: crypto.randomUUID(), iat: now(), signInTime: Date.now(), exp: now() + 3600 });
const userToken = signIn(42);
const mallorysToken = signIn(43);

try {
  // The provider emulator.
  const emulator = spawn(EMULATOR_BIN, ['--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(emulator);
  const emu = await new Promise((resolve, reject) => {
    let text = '';
    emulator.stdout.on('data', (chunk) => {
      text += chunk;
      const match = text.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    setTimeout(() => reject(new Error('emulator did not start')), 20000);
  });

  // A stand-in for NocoBase's page the user returns to.
  const returnPage = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>NocoBase</title><h1 id="outcome">${new URL(req.url, 'http://x').search.replace(/[<>&]/g, '')}</h1>`);
  });
  await new Promise((resolve) => returnPage.listen(0, '127.0.0.1', resolve));
  const nocobase = `http://127.0.0.1:${returnPage.address().port}`;

  // The sidecar, as a user would run it, on a fresh SQLite folder.
  const port = await freePort();
  const sidecar = `http://127.0.0.1:${port}`;
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-browser-'));
  const env = {
    PATH: process.env.PATH,
    EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${port}`,
    EMAIL_MANAGER__SERVER__PUBLIC_URL: sidecar,
    EMAIL_MANAGER__DATABASE__URL: `sqlite://${data}/mail.sqlite3`,
    EMAIL_MANAGER__NOCOBASE__APP_KEY: APP_KEY,
    EMAIL_MANAGER__CORS__ALLOWED_ORIGINS: nocobase,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__AUTH_URL: `${emu}/google/o/oauth2/v2/auth`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__TOKEN_URL: `${emu}/google/token`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__REVOKE_URL: `${emu}/google/revoke`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__USERINFO_URL: `${emu}/google/v1/userinfo`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__API_BASE_URL: `${emu}/google`,
    EMAIL_MANAGER__PROVIDERS__MICROSOFT__LOGIN_BASE_URL: `${emu}/microsoft`,
    EMAIL_MANAGER__PROVIDERS__MICROSOFT__GRAPH_BASE_URL: `${emu}/microsoft`,
    EMAIL_MANAGER__LOG__LEVEL: 'warn',
  };
  const logPath = path.join(data, 'sidecar.log');
  const log = fs.openSync(logPath, 'w');
  const service = spawn(SIDECAR_BIN, ['serve'], { env, stdio: ['ignore', log, log] });
  process.on('exit', () => {
    if (failed()) console.log(`sidecar log (${logPath}):\n${fs.readFileSync(logPath, 'utf8').slice(-4000)}`);
  });
  children.push(service);
  await waitFor(`${sidecar}/readyz`, 30000);

  const api = async (action, bearer, values) => {
    const response = await fetch(`${sidecar}/api/${action}`, {
      method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(values ?? {}),
    });
    return { status: response.status, body: await response.json() };
  };
  const control = (route, body) => fetch(`${emu}/_emulator${route}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  await control('/clients', { provider: 'google', clientId: 'browser-app', clientSecret: 'browser-secret-1234', redirectUris: [`${sidecar}/api/mailOAuth:callback`] });
  await control('/users', { provider: 'google', email: 'eve@gmail.test', name: 'Eve Example', messages: 5 });
  const configured = await api('mailProviders:update?filterByTk=google', adminKey, { clientId: 'browser-app', clientSecret: 'browser-secret-1234', enabled: true });
  assert(configured.status === 200, JSON.stringify(configured.body));

  const browser = await chromium.launch(chromiumOptions());
  try {
    // As NocoBase's page does: the authorize call is made by the page, in the browser, so
    // the answer's binding cookie lands in this browser's jar.
    const authorizeIn = async (page, bearer) => {
      await page.goto(`${nocobase}/admin/mail`);
      const reply = await page.evaluate(async ({ url, bearer, values }) => {
        const response = await fetch(url, {
          method: 'POST', credentials: 'include', body: JSON.stringify(values),
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        });
        return { status: response.status, body: await response.json() };
      }, { url: `${sidecar}/api/mailAccounts:authorize`, bearer, values: { provider: 'google', returnUrl: `${nocobase}/admin/mail`, loginHint: 'eve@gmail.test' } });
      assert(reply.status === 200, JSON.stringify(reply.body));
      return reply.body.data.url;
    };
    const authorize = async (page) => authorizeIn(page, userToken);

    await check('Allow on the consent page connects the mailbox and returns to NocoBase', async () => {
      const page = await browser.newPage();
      await page.goto(await authorize(page));
      const email = page.locator('input[name="email"]');
      assert((await email.inputValue()) === 'eve@gmail.test', 'the address is pre-filled from loginHint');
      const shot = path.join(artifacts, 'consent-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert(fs.statSync(shot).size > 1000, 'a screenshot of the consent page');
      await page.click('button[value="allow"]');
      await page.waitForURL((url) => url.href.startsWith(`${nocobase}/admin/mail?`), { timeout: 15000 });
      const params = new URL(page.url()).searchParams;
      assert(params.get('status') === 'connected' && /^\d+$/.test(params.get('mailAccountId') ?? ''), page.url());
      assert((await page.textContent('#outcome')).includes('status=connected'), 'the return page loaded');
      await page.screenshot({ path: path.join(artifacts, 'returned-to-nocobase.png') });
      // The mailbox's first sync starts at once: it shows "syncing" until that run ends.
      const accounts = () => fetch(`${sidecar}/api/mailAccounts:list`, { headers: { authorization: `Bearer ${userToken}` } }).then((r) => r.json());
      let list = await accounts();
      for (const until = Date.now() + 20000; list.data[0]?.status === 'syncing' && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 200));
        list = await accounts();
      }
      assert(list.meta.count === 1 && list.data[0].email === 'eve@gmail.test' && list.data[0].status === 'active', JSON.stringify(list));
      await page.close();
    });

    await check('Deny on the consent page returns with ACCESS_DENIED', async () => {
      const page = await browser.newPage();
      await page.goto(await authorize(page));
      await page.click('button[value="deny"]');
      await page.waitForURL((url) => url.href.startsWith(`${nocobase}/admin/mail?`), { timeout: 15000 });
      const params = new URL(page.url()).searchParams;
      assert(params.get('status') === 'error' && params.get('code') === 'ACCESS_DENIED', page.url());
      await page.close();
    });

    await check('Connecting again reconnects the same account', async () => {
      const page = await browser.newPage();
      await page.goto(await authorize(page));
      await page.click('button[value="allow"]');
      await page.waitForURL((url) => url.href.startsWith(`${nocobase}/admin/mail?`), { timeout: 15000 });
      // The mailbox's first sync starts at once: it shows "syncing" until that run ends.
      const accounts = () => fetch(`${sidecar}/api/mailAccounts:list`, { headers: { authorization: `Bearer ${userToken}` } }).then((r) => r.json());
      let list = await accounts();
      for (const until = Date.now() + 20000; list.data[0]?.status === 'syncing' && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 200));
        list = await accounts();
      }
      assert(list.meta.count === 1, JSON.stringify(list.meta));
      assert(new URL(page.url()).searchParams.get('mailAccountId') === String(list.data[0].id), 'same id');
      await page.close();
    });

    await check('A consent link finished in another browser links nothing and says so', async () => {
      // Mallory starts a connect with Eve's address and sends Eve the consent link; Eve
      // opens it in her own browser (a separate context: its own cookie jar).
      const mallorys = await browser.newContext();
      const link = await authorizeIn(await mallorys.newPage(), mallorysToken);
      const eves = await browser.newContext();
      const page = await eves.newPage();
      await page.goto(link);
      await page.click('button[value="allow"]');
      await page.waitForURL((url) => url.href.startsWith(`${sidecar}/api/mailOAuth:callback`), { timeout: 15000 });
      await page.waitForSelector('h1');
      const text = await page.textContent('body');
      assert(text.includes('Nothing was connected') && text.includes('another browser'), text);
      await page.screenshot({ path: path.join(artifacts, 'connect-in-another-browser.png') });
      const list = await fetch(`${sidecar}/api/mailAccounts:list`, { headers: { authorization: `Bearer ${mallorysToken}` } }).then((r) => r.json());
      assert(list.meta.count === 0, `Mallory got no mailbox: ${JSON.stringify(list)}`);
      await mallorys.close();
      await eves.close();
    });
  } finally {
    await browser.close();
  }
  returnPage.close();
} catch (error) {
  results.push(false);
  console.log(`FAIL - setting up the browser check: ${error && error.stack}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => new Promise((resolve) => {
    if (child.exitCode !== null) resolve();
    child.on('exit', resolve);
    setTimeout(resolve, 3000);
  })));
}
process.exit(summary('browser'));
