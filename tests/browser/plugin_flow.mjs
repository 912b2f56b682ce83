// The NocoBase plugin end to end, in a real NocoBase and a real browser: the plugin tarball
// is added and enabled in NocoBase 2.2, the sidecar and the provider emulator run beside
// it, and headless Chromium signs in as the admin, saves Google's app on the settings page,
// connects a Gmail mailbox through the emulator's consent page, waits for the sync, opens a
// message and replies to it; the emulator must hold the reply. Then the plugin's proxy is
// checked without the browser: uploads and downloads streamed through, NocoBase's sign-out
// and token renewal, and a clear 502 when the sidecar is down. Run by .ci/run:
//   NB_APP=… SIDECAR_BIN=… EMULATOR_BIN=… PLUGIN_TGZ=… ARTIFACTS_DIR=… node tests/browser/plugin_flow.mjs
// Saves a screenshot of each screen and prints a closing "plugin: N passed, N failed".
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { assert, check, failed, freePort, summary } from '../harness/checks.mjs';
import { NocoBase, ROOT, loadSdk, through } from '../harness/nocobase.mjs';
import { Services, claimsOf, emulatorEndpoints, signed } from '../harness/services.mjs';
import { recordBlockChecks, recordBlockWithoutMailboxChecks } from './record_block.mjs';
import { imapConnectChecks } from './imap_connect.mjs';
import { mailMergeChecks, mailMergeKillChecks } from './mail_merge.mjs';
import { workflowChecks } from './workflows.mjs';
import { readingChecks } from './reading.mjs';
import { writingChecks } from './writing.mjs';
import { chromiumOptions, signedIn } from '../harness/browser.mjs';

const { NB_APP, SIDECAR_BIN, EMULATOR_BIN, PLUGIN_TGZ } = process.env;
if (!NB_APP || !SIDECAR_BIN || !EMULATOR_BIN || !PLUGIN_TGZ) {
  console.error('set NB_APP, SIDECAR_BIN, EMULATOR_BIN and PLUGIN_TGZ');
  process.exit(2);
}
const PLUGIN = '@email-manager-sidecar/plugin-email-manager';
const artifacts = process.env.ARTIFACTS_DIR || 'target/artifacts';
fs.mkdirSync(artifacts, { recursive: true });
const { APIClient } = loadSdk(NB_APP);
const APP_KEY = crypto.randomBytes(32).toString('hex');
const MAILBOX = 'eve@gmail.test';
const MERGE_LIMIT_PER_DAY = 1000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-plugin-'));
const services = new Services(work);
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `plugin-${name}.png`), fullPage: true });

let browser;
// The member the proxy checks create, for the checks after them.
let memberAccount = null;
try {
  const emulator = await services.emulator(EMULATOR_BIN);
  const nocobase = await NocoBase.create(NB_APP, services, 'nocobase');
  const sidecarPort = await freePort();
  const sidecarUrl = `http://127.0.0.1:${sidecarPort}`;
  nocobase.cli(['install'], APP_KEY);
  nocobase.cli(['pm', 'add', path.resolve(PLUGIN_TGZ)], APP_KEY);
  await nocobase.start(APP_KEY, { EMAIL_MANAGER_URL: sidecarUrl });

  // The sidecar answers on NocoBase's origin: the OAuth callback comes back through the
  // plugin's proxy, so the redirect URI is NocoBase's.
  const sidecarEnv = {
    EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${sidecarPort}`,
    EMAIL_MANAGER__SERVER__PUBLIC_URL: nocobase.url,
    EMAIL_MANAGER__NOCOBASE__URL: nocobase.url,
    EMAIL_MANAGER__NOCOBASE__APP_KEY: APP_KEY,
    EMAIL_MANAGER__CORS__ALLOWED_ORIGINS: nocobase.url,
    EMAIL_MANAGER__SYNC__ENABLED: 'true',
    EMAIL_MANAGER__SYNC__INTERVAL_SECS: '3600',
    // The mail merge checks: Gmail's daily limit as an admin set it,
    // and a short send lease, so a send cut off by the SIGKILL is settled in seconds.
    EMAIL_MANAGER__CAMPAIGNS__GMAIL_PER_DAY: String(MERGE_LIMIT_PER_DAY),
    EMAIL_MANAGER__CAMPAIGNS__GMAIL_CONSUMER_PER_DAY: String(MERGE_LIMIT_PER_DAY),
    EMAIL_MANAGER__SEND__LEASE_SECS: '5',
    // Gmail's per-user quota (6,000 units a minute) counted in 5-second windows, here and
    // at the emulator: the 500-record merge is paced by it in seconds, not minutes.
    EMAIL_MANAGER__SYNC__QUOTA_WINDOW_SECS: '5',
    ...emulatorEndpoints(emulator.url),
  };
  await emulator.control('/quota', { provider: 'google', windowSecs: 5 });
  let sidecar = await services.sidecar(SIDECAR_BIN, 'plugin', sidecarEnv);
  await emulator.control('/clients', { provider: 'google', clientId: 'plugin-app.apps.googleusercontent.com', clientSecret: 'plugin-secret-123456', redirectUris: [`${nocobase.url}/api/mailOAuth:callback`] });
  await emulator.control('/users', { provider: 'google', email: MAILBOX, name: 'Eve Example', messages: 12, seed: 3 });
  // An alias, set before the mailbox is connected, so the first sync lists it.
  await emulator.control(`/users/${MAILBOX}/send-as`, { aliases: [{ address: 'sales@acme.test', name: 'Acme Sales' }] });

  const nb = new APIClient({ baseURL: `${nocobase.url}/api/`, storageType: 'memory' });
  await nb.auth.signIn(ROOT, 'basic');
  const rootToken = nb.auth.getToken();

  await check('the admin enables "Email manager" in the plugin manager', async () => {
    const enabled = await nb.request({ url: 'pm:enable', method: 'post', params: { filterByTk: PLUGIN } });
    assert(enabled.status === 200, `pm:enable ${enabled.status}`);
    // The app reloads its plugins; it answers again within seconds.
    const deadline = Date.now() + 60000;
    let listed;
    for (;;) {
      try {
        listed = (await nb.request({ url: 'pm:list', method: 'get' })).data.data.find((p) => p.packageName === PLUGIN || p.name === PLUGIN);
        if (listed && listed.enabled) break;
      } catch { /* reloading */ }
      if (Date.now() > deadline) throw new Error(`not enabled: ${JSON.stringify(listed)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert(listed.displayName === 'Email manager', `displayName ${listed.displayName}`);
    assert(listed.isCompatible !== false, 'NocoBase finds the plugin incompatible');
    const proxied = await through(nocobase, 'mailProviders:list', rootToken);
    assert(proxied.status === 200 && proxied.body.data.length === 3, `mailProviders:list through NocoBase: ${proxied.status}`);
  });

  browser = await chromium.launch(chromiumOptions());
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await signedIn(page, nocobase.url, rootToken);
  // Most checks read single messages; the conversations check turns that view on itself
  // (after checking it is what a new user gets) and back off.
  await page.evaluate(() => localStorage.setItem('emailManager.listView', 'messages'));

  await check('settings page: the admin saves Google\'s Client ID and secret', async () => {
    await page.goto(`${nocobase.url}/admin/settings/email-manager`);
    const card = page.getByTestId('provider-google');
    await card.waitFor({ timeout: 60000 });
    assert((await page.locator('#google_clientId').count()) === 1, 'a Client ID field');
    assert((await card.locator('input.ant-input[readonly]').inputValue()) === `${nocobase.url}/api/mailOAuth:callback`, 'the redirect URI shown is NocoBase\'s');
    await page.fill('#google_clientId', 'plugin-app.apps.googleusercontent.com');
    await page.fill('#google_clientSecret', 'plugin-secret-123456');
    await page.click('#google_enabled');
    await card.getByRole('button', { name: 'Test' }).click();
    await card.getByText('The provider accepts this client and secret.').waitFor({ timeout: 15000 });
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('A secret is set').waitFor({ timeout: 15000 });
    await shot(page, '1-settings');
    const stored = await through(nocobase, 'mailProviders:get?filterByTk=google', rootToken);
    assert(stored.body.data.enabled === true && stored.body.data.clientSecretSet === true, JSON.stringify(stored.body));
    assert(!(await page.content()).includes('plugin-secret-123456'), 'the secret is shown after saving');
  });

  await check('settings page: clicks below Microsoft\'s tenant choice reach the fields there and leave the tenant alone', async () => {
    // Reported by an admin (#24): the tenant box's suggestion list stayed open over the
    // fields below it, so a click meant for them picked "consumers", and Save stored it
    // without a word. The clicks land where a person aims them, on whatever is on top.
    const card = page.getByTestId('provider-microsoft');
    await page.fill('#microsoft_clientId', 'plugin-outlook-app');
    await page.fill('#microsoft_clientSecret', 'plugin-outlook-secret-123456');
    const tenant = card.locator('[data-testid="tenant-field"], #microsoft_tenant').first();
    // At the top of the window, so the fields below it are in view for the mouse.
    await tenant.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await tenant.click({ position: { x: 4, y: 4 } });
    // As an admin about to type a directory ID clears the box (the old box then listed
    // all three suggestions, over the next field), then thinks better of it.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    for (const below of ['#microsoft_allowedTenants', '#microsoft_enabled']) {
      const box = await page.locator(below).boundingBox();
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    }
    await page.locator('#microsoft_enabled[aria-checked="true"]').waitFor({ timeout: 5000 });
    await card.getByRole('button', { name: 'Save' }).click();
    // Saved once the card says Enabled (Google's "Saved" toast may still be up).
    await card.locator('.ant-card-head').getByText('Enabled', { exact: true }).waitFor({ timeout: 15000 });
    const stored = (await through(nocobase, 'mailProviders:get?filterByTk=microsoft', rootToken)).body.data;
    assert(stored.enabled === true && stored.tenant === 'common', `saved ${JSON.stringify({ enabled: stored.enabled, tenant: stored.tenant })}`);
    // Each kind of account is one click, and says what it means.
    await card.getByTestId('tenant-organizations').click();
    await card.getByRole('button', { name: 'Save' }).click();
    for (const until = Date.now() + 15000; Date.now() < until; await page.waitForTimeout(200)) {
      if ((await through(nocobase, 'mailProviders:get?filterByTk=microsoft', rootToken)).body.data.tenant === 'organizations') break;
    }
    const chosen = (await through(nocobase, 'mailProviders:get?filterByTk=microsoft', rootToken)).body.data;
    assert(chosen.tenant === 'organizations' && chosen.enabled === true, JSON.stringify({ enabled: chosen.enabled, tenant: chosen.tenant }));
    await shot(page, '1-settings-microsoft');
  });

  await check('settings page: a bad value is refused next to its field, and nothing is saved', async () => {
    const card = page.getByTestId('provider-microsoft');
    await card.getByTestId('tenant-directory').click();
    await page.fill('#microsoft_tenant', 'not a tenant!');
    await card.getByRole('button', { name: 'Save' }).click();
    const error = card.locator('.ant-form-item-explain-error');
    await error.first().waitFor({ timeout: 15000 });
    assert((await error.first().textContent()).length > 0, 'an error under the field');
    const stored = await through(nocobase, 'mailProviders:get?filterByTk=microsoft', rootToken);
    assert(stored.body.data.tenant !== 'not a tenant!', `saved anyway: ${JSON.stringify(stored.body.data)}`);
  });

  await check('plugin manager: the plugin\'s card has a Settings link, like other plugins, to the settings page', async () => {
    // Reported by an admin (#24): the card had none; NocoBase shows it only for a settings
    // page registered under the plugin's own name.
    await page.goto(`${nocobase.url}/admin/pm/list`);
    const card = page.locator('.ant-card').filter({ hasText: 'Email manager' }).first();
    await card.waitFor({ timeout: 60000 });
    const settings = card.getByText('Settings', { exact: true });
    await settings.waitFor({ timeout: 15000 });
    await shot(page, '1-plugin-card');
    await settings.click();
    await page.waitForURL((url) => url.pathname.endsWith('/admin/settings/email-manager'), { timeout: 15000 });
    await page.getByTestId('provider-google').waitFor({ timeout: 30000 });
    // The link's own page stays out of the settings menu: "Email manager" is listed once.
    const listed = await page.getByRole('menuitem').filter({ hasText: /^Email manager$/ }).count();
    assert(listed <= 1, `"Email manager" is ${listed} times in the settings menu`);
  });

  await check('accounts page: Connect Gmail goes through the consent page and the mailbox syncs', async () => {
    await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
    await page.getByRole('button', { name: 'Connect Gmail' }).click();
    await page.waitForURL((url) => url.href.startsWith(emulator.url), { timeout: 15000 });
    await page.fill('input[name="email"]', MAILBOX);
    await shot(page, '2-consent');
    await page.click('button[value="allow"]');
    await page.waitForURL((url) => url.href.startsWith(`${nocobase.url}/admin/email-manager`), { timeout: 30000 });
    await page.getByText('Mailbox connected').waitFor({ timeout: 30000 });
    const row = page.getByTestId(`account-${MAILBOX}`);
    await row.getByText('12 messages').waitFor({ timeout: 60000 });
    await row.getByTestId('account-status').getByText('Active').waitFor({ timeout: 60000 });
    // No Pub/Sub topic yet: the mailbox is polled, and the row says so.
    await row.getByTestId('account-push').getByText('Polling').waitFor({ timeout: 15000 });
    await shot(page, '3-accounts');
  });

  await imapConnectChecks({ page, nocobase, through, rootToken, shot });

  await check('a consent link finished in another browser, through NocoBase, links nothing', async () => {
    // The signed-in admin starts a connect from NocoBase's page with a colleague's address
    // and sends the consent link on; the colleague opens it in a browser of their own.
    const victim = 'victim@gmail.test';
    await emulator.control('/users', { provider: 'google', email: victim, name: 'Vic Tim', messages: 2 });
    const link = await page.evaluate(async (hint) => {
      const response = await fetch('/api/mailAccounts:authorize', {
        method: 'POST',
        headers: { authorization: `Bearer ${localStorage.getItem('NOCOBASE_TOKEN')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'google', returnUrl: `${location.origin}/admin/email-manager?tab=accounts`, loginHint: hint }),
      });
      return (await response.json()).data.url;
    }, victim);
    const theirs = await browser.newContext();
    const other = await theirs.newPage();
    await other.goto(link);
    await other.click('button[value="allow"]');
    await other.waitForURL((url) => url.href.startsWith(`${nocobase.url}/api/mailOAuth:callback`), { timeout: 15000 });
    await other.waitForSelector('h1');
    const text = await other.textContent('body');
    assert(text.includes('Nothing was connected'), text);
    await shot(other, '3-other-browser');
    await theirs.close();
    const accounts = await through(nocobase, 'mailAccounts:list', rootToken);
    assert(!accounts.body.data.some((a) => a.email === victim), `linked anyway: ${JSON.stringify(accounts.body.data.map((a) => a.email))}`);
  });

  await check('mail page: opening a message shows it and marks it read', async () => {
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
    const first = page.getByTestId('message-row').first();
    await first.waitFor({ timeout: 30000 });
    const folders = await through(nocobase, 'mailFolders:list', rootToken);
    const inbox = folders.body.data.find((f) => f.role === 'inbox');
    // The list shows the inbox once the folders have loaded and it is chosen.
    let rows = 0;
    for (const until = Date.now() + 15000; Date.now() < until; await page.waitForTimeout(250)) {
      rows = await page.getByTestId('message-row').count();
      if (inbox && rows === inbox.totalCount) break;
    }
    assert(inbox && rows === inbox.totalCount && rows > 0, `${rows} rows, the inbox holds ${inbox && inbox.totalCount}`);
    await first.click();
    await page.getByTestId('message-body').waitFor({ timeout: 30000 });
    const subject = await page.getByTestId('message-subject').textContent();
    assert(subject && subject.length > 0, 'a subject');
    await shot(page, '4-message');
    const listed = await through(nocobase, `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ subject: { $eq: subject } }))}`, rootToken);
    assert(listed.body.data.some((m) => m.isRead), `the opened message is not read: ${JSON.stringify(listed.body.data.map((m) => m.isRead))}`);
  });

  await check('mail page: an unread message, once opened, offers "Mark unread", and the click acts', async () => {
    const folders = await through(nocobase, 'mailFolders:list', rootToken);
    const inbox = folders.body.data.find((f) => f.role === 'inbox');
    const listed = await through(nocobase, `mailMessages:list?pageSize=25&filter=${encodeURIComponent(JSON.stringify({ $and: [{ accountId: inbox.accountId }, { folderId: inbox.id }] }))}`, rootToken);
    const index = listed.body.data.findIndex((m) => !m.isRead);
    assert(index >= 0, 'no unread message on the first page (change the seed)');
    const target = listed.body.data[index];
    await page.getByTestId('message-row').nth(index).click();
    await page.getByTestId('message-body').waitFor({ timeout: 15000 });
    const readState = async () => (await through(nocobase, `mailMessages:get?filterByTk=${target.id}`, rootToken)).body.data.isRead;
    for (const until = Date.now() + 10000; !(await readState()) && Date.now() < until;) await page.waitForTimeout(200);
    assert(await readState(), 'opening did not mark it read');
    // Before the fix the view kept its unread copy: "Mark read", and a click that changed nothing.
    await page.getByRole('button', { name: 'Mark unread' }).click({ timeout: 5000 });
    for (const until = Date.now() + 10000; (await readState()) && Date.now() < until;) await page.waitForTimeout(200);
    assert(!(await readState()), 'the click on "Mark unread" left it read');
    await page.getByRole('button', { name: 'Mark read' }).waitFor({ timeout: 5000 });
  });

  await check('mail page: an inline (cid:) image shows in the message', async () => {
    // The first message of the inbox, in the page's order, whose body embeds an image.
    const folders = await through(nocobase, 'mailFolders:list', rootToken);
    const inbox = folders.body.data.find((f) => f.role === 'inbox');
    const listed = await through(nocobase, `mailMessages:list?pageSize=25&filter=${encodeURIComponent(JSON.stringify({ $and: [{ accountId: inbox.accountId }, { folderId: inbox.id }] }))}`, rootToken);
    let index = -1;
    for (const [i, row] of listed.body.data.entries()) {
      const full = await through(nocobase, `mailMessages:get?filterByTk=${row.id}`, rootToken);
      if (full.body.data.attachments.some((a) => a.inline) && (full.body.data.bodyHtml || '').includes('mailAttachments:download')) { index = i; break; }
    }
    assert(index >= 0, 'no inbox message embeds an image (change the seed)');
    await page.getByTestId('message-row').nth(index).click();
    const frame = page.frameLocator('iframe[data-testid="message-body"]');
    const image = frame.locator('img').first();
    await image.waitFor({ timeout: 15000 });
    const loaded = await image.evaluate((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/'));
    assert(loaded, 'the inline image did not load');
    await page.getByTestId('message-row').first().click();
    await page.getByTestId('message-body').waitFor({ timeout: 15000 });
  });

  await check('reply: the composer sends through the mailbox and the emulator receives it', async () => {
    await page.getByTestId('reply').click();
    const form = page.getByTestId('compose-form');
    await form.waitFor();
    await page.getByTestId('compose-editor').locator('.ql-editor').fill('Thanks, replying from NocoBase.');
    // The screenshot once the dialog's opening animation is over.
    await page.waitForFunction(() => !document.querySelector('.ant-zoom-appear, .ant-zoom-enter, .ant-fade-appear, .ant-fade-enter'));
    await shot(page, '5-reply');
    await page.getByTestId('compose-send').click();
    // The toast, not the folder of the same name; the dialog closes once the provider has it.
    await page.locator('.ant-message').getByText('Sent', { exact: true }).waitFor({ timeout: 30000 });
    await page.getByTestId('compose-form').waitFor({ state: 'hidden', timeout: 15000 });
    const sent = await emulator.control(`/users/${MAILBOX}/sent`);
    assert(Array.isArray(sent) && sent.length === 1, `the emulator holds ${JSON.stringify(sent).slice(0, 300)}`);
    const mime = Buffer.from(sent[0].raw, 'base64').toString('utf8');
    // Plain, or an RFC 2047 encoded word when the subject is not ASCII.
    assert(/^Subject: (=\?utf-8\?[QB]\?)?Re(:|_|=3A)/mi.test(mime), `not a reply: ${mime.slice(0, 400)}`);
    assert(/^In-Reply-To: <[^>]+>/m.test(mime) && /^References: /m.test(mime), 'no threading headers');
    assert(mime.includes('Thanks, replying from NocoBase.'), 'the typed text is missing');
  });

  await check('mail page: rows in Sent name the recipients, not the sender', async () => {
    const folders = await through(nocobase, 'mailFolders:list', rootToken);
    const sent = folders.body.data.find((f) => f.role === 'sent');
    assert(sent && sent.totalCount > 0, `a Sent folder with mail: ${JSON.stringify(sent)}`);
    await page.getByRole('menuitem', { name: sent.name }).click();
    const who = page.getByTestId('message-row-who');
    await who.first().waitFor({ timeout: 15000 });
    const names = await who.allTextContents();
    assert(names.length > 0 && names.every((n) => n.startsWith('To: ') || n === '(no recipients)'), `Sent rows: ${JSON.stringify(names.slice(0, 5))}`);
    assert(!names.some((n) => n.includes('Eve Example') || n.includes(MAILBOX)), `a row names the sender: ${JSON.stringify(names.slice(0, 5))}`);
    await shot(page, '5-sent');
    await page.getByRole('menuitem', { name: folders.body.data.find((f) => f.role === 'inbox').name }).click();
  });

  await check('conversations: the default view; a reply and its original are one row, the older folded, the quote folded until asked', async () => {
    const folders = await through(nocobase, 'mailFolders:list', rootToken);
    const inbox = folders.body.data.find((f) => f.role === 'inbox');
    // The conversation of the reply sent above, once the reply is filed in it.
    let threads;
    let index = -1;
    for (const until = Date.now() + 20000; index < 0 && Date.now() < until; await page.waitForTimeout(300)) {
      threads = await through(nocobase, `mailThreads:list?pageSize=25&filter=${encodeURIComponent(JSON.stringify({ $and: [{ accountId: inbox.accountId }, { folderId: inbox.id }] }))}`, rootToken);
      index = threads.body.data.findIndex((t) => t.messageCount >= 2 && (t.snippet || '').includes('Thanks, replying from NocoBase.'));
    }
    assert(index >= 0, `the reply is not in a conversation of two: ${JSON.stringify(threads.body.data.map((t) => [t.messageCount, t.snippet]).slice(0, 5))}`);
    const thread = threads.body.data[index];
    // A new user (nothing chosen in this browser) gets conversations.
    await page.evaluate(() => localStorage.removeItem('emailManager.listView'));
    await page.reload();
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
    const rows = page.getByTestId('thread-row');
    for (const until = Date.now() + 15000; Date.now() < until; await page.waitForTimeout(250)) {
      if ((await rows.count()) === threads.body.data.length) break;
    }
    assert((await rows.count()) === threads.body.data.length, `${await rows.count()} conversation rows, ${threads.body.data.length} conversations`);
    assert((await rows.nth(index).getByTestId('thread-row-count').textContent()) === String(thread.messageCount), 'the row does not say how many messages');
    await rows.nth(index).click();
    const view = page.getByTestId('thread-view');
    await view.waitFor({ timeout: 15000 });
    await view.getByTestId('message-body').first().waitFor({ timeout: 15000 });
    const folded = await view.getByTestId('thread-message-folded').count();
    const shown = await view.getByTestId('thread-message').count();
    assert(shown >= 1 && folded + shown === thread.messageCount && folded >= 1, `${shown} open and ${folded} folded of ${thread.messageCount}`);
    // The newest is our reply: its quote of the original is folded, one click shows it.
    const newest = view.getByTestId('thread-message').last();
    const quote = newest.frameLocator('iframe[data-testid="message-body"]').locator('div.quote');
    try {
      await quote.waitFor({ state: 'attached', timeout: 15000 });
    } catch (error) {
      await shot(page, '5-conversation-failed');
      const frame = await newest.locator('iframe[data-testid="message-body"]').getAttribute('srcdoc').catch(() => null);
      throw new Error(`no quote in the newest message: ${(await newest.innerText()).slice(0, 300)} | frame: ${String(frame).slice(0, 600)}`);
    }
    assert(!(await quote.isVisible()), 'the quoted original is not folded');
    await newest.getByTestId('toggle-quote').click();
    await quote.waitFor({ state: 'visible', timeout: 5000 });
    await shot(page, '5-conversation');
    await view.getByTestId('thread-message-folded').first().click();
    await view.getByTestId('message-body').nth(1).waitFor({ timeout: 15000 });
    assert((await view.getByTestId('thread-message').count()) === shown + 1, 'a click did not open the older message');
    // A note on the whole conversation, below its messages, is stored on the thread.
    const threadNotes = view.getByTestId('thread-notes');
    await threadNotes.getByTestId('note-input').fill('Deal: waiting for their PO');
    await threadNotes.getByTestId('note-add').click();
    await threadNotes.getByTestId('note').filter({ hasText: 'Deal: waiting for their PO' }).waitFor({ timeout: 15000 });
    const onThread = await through(nocobase, `mailNotes:list?filter=${encodeURIComponent(JSON.stringify({ threadId: thread.id }))}`, rootToken);
    assert(onThread.body.data.some((n) => n.text === 'Deal: waiting for their PO' && n.threadId === thread.id && n.messageId === null), JSON.stringify(onThread.body));
    // A message marked unread on its own, then the whole conversation read: the message's
    // button says what it now is (it used to keep offering "Mark read", and a click on it
    // did nothing).
    const newestView = view.getByTestId('thread-message').last();
    await newestView.getByRole('button', { name: 'Mark unread', exact: true }).click();
    await newestView.getByRole('button', { name: 'Mark read', exact: true }).waitFor({ timeout: 10000 });
    await view.getByTestId('thread-read').filter({ hasText: 'Mark conversation read' }).click();
    await newestView.getByRole('button', { name: 'Mark unread', exact: true }).waitFor({ timeout: 10000 });
    // Marked unread whole, the conversation closes (as in Gmail: reading it on would mark
    // it read again) and stays unread.
    await view.getByTestId('thread-read').filter({ hasText: 'Mark conversation unread' }).click();
    await view.waitFor({ state: 'detached', timeout: 10000 });
    const after = await through(nocobase, `mailThreads:get?filterByTk=${encodeURIComponent(thread.id)}`, rootToken);
    assert(after.body.data.messages.every((m) => !m.isRead), `still read: ${JSON.stringify(after.body.data.messages.map((m) => m.isRead))}`);
    // Back to single messages: the choice sticks in this browser.
    await page.getByTestId('conversations-switch').click();
    await page.getByTestId('message-row').first().waitFor({ timeout: 15000 });
    assert((await page.evaluate(() => localStorage.getItem('emailManager.listView'))) === 'messages', 'the choice was not kept');
  });

  await check('bulk: "select all N that match" beyond the page moves every one to the trash, with the count', async () => {
    const word = `bulk${Date.now()}`;
    const many = 30;
    for (let i = 1; i <= many; i += 1) {
      const raw = `From: Newsletter <news@lists.example>\r\nTo: ${MAILBOX}\r\nSubject: ${word} issue ${i}\r\nMessage-ID: <${word}.${i}@lists.example>\r\nContent-Type: text/plain\r\n\r\nIssue ${i} of the ${word} letter.\r\n`;
      await emulator.control(`/users/${MAILBOX}/deliver`, { raw: Buffer.from(raw).toString('base64') });
    }
    const accounts = await through(nocobase, 'mailAccounts:list', rootToken);
    const account = accounts.body.data.find((a) => a.email === MAILBOX);
    await through(nocobase, `mailAccounts:sync?filterByTk=${account.id}`, rootToken, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const folders = (await through(nocobase, 'mailFolders:list', rootToken)).body.data;
    const inbox = folders.find((f) => f.role === 'inbox');
    const trash = folders.find((f) => f.role === 'trash');
    const inFolder = async (folder) => (await through(nocobase, `mailMessages:list?q=${word}&filter=${encodeURIComponent(JSON.stringify({ folderId: folder.id }))}`, rootToken)).body.meta.count;
    for (const until = Date.now() + 30000; (await inFolder(inbox)) !== many;) {
      if (Date.now() > until) throw new Error(`${await inFolder(inbox)} of ${many} synced`);
      await page.waitForTimeout(300);
    }
    // antd puts the test id on the input itself or on its wrapper, by version.
    const search = page.locator('input[data-testid="mail-search"], [data-testid="mail-search"] input').first();
    await search.fill(word);
    await search.press('Enter');
    // The search's page, not the inbox's still shown while it loads.
    for (const until = Date.now() + 15000; ;) {
      const rows = await page.getByTestId('message-row').allTextContents();
      if (rows.length === 25 && rows.every((r) => r.includes(word))) break;
      if (Date.now() > until) throw new Error(`the search did not list: ${JSON.stringify(rows.slice(0, 3))}`);
      await page.waitForTimeout(200);
    }
    await page.getByTestId('select-page').click();
    assert((await page.getByTestId('bulk-count').textContent()) === '25 selected', await page.getByTestId('bulk-count').textContent());
    await page.getByTestId('select-all-matching').click();
    assert((await page.getByTestId('bulk-count').textContent()) === `All ${many} that match are selected`, await page.getByTestId('bulk-count').textContent());
    await shot(page, '5-bulk');
    await page.getByTestId('bulk-delete').click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Delete' }).click();
    const result = page.getByTestId('bulk-result');
    await result.waitFor({ timeout: 60000 });
    assert((await result.textContent()).includes(`${many} messages changed.`), await result.textContent());
    assert((await inFolder(inbox)) === 0 && (await inFolder(trash)) === many, `inbox ${await inFolder(inbox)}, trash ${await inFolder(trash)}`);
    await search.fill('');
    await search.press('Enter');
  });

  await check('labels: the mailbox\'s labels are listed; a new one is put on a message, lists it, and goes with its delete', async () => {
    const menu = page.getByTestId('labels-menu');
    await menu.getByText('Invoices', { exact: true }).waitFor({ timeout: 15000 });
    const name = `Renewals ${Date.now() % 100000}`;
    await page.getByTestId('label-new').click();
    const dialog = page.locator('.ant-modal-content').filter({ hasText: 'New label' });
    await dialog.getByTestId('label-name').fill(name);
    await dialog.locator('.ant-radio-button-wrapper', { has: page.getByTestId('label-color-4a86e8') }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    try {
      await menu.getByText(name, { exact: true }).waitFor({ timeout: 15000 });
    } catch (error) {
      await shot(page, '5-labels-failed');
      throw new Error(`the new label is not listed: ${await page.locator('.ant-message, .ant-modal-content').allInnerTexts()}`);
    }
    const stored = (await through(nocobase, 'mailLabels:list?pageSize=200', rootToken)).body.data.find((l) => l.name === name);
    assert(stored && stored.color === '#4a86e8' && stored.kind === 'user', `stored: ${JSON.stringify(stored)}`);
    // On the first message, from its own picker.
    await page.getByTestId('message-row').first().click();
    await page.getByTestId('message-body').waitFor({ timeout: 15000 });
    const subject = (await page.getByTestId('message-subject').textContent()).trim();
    const picker = page.getByTestId('message-view').locator('.message-labels');
    await picker.click();
    await page.locator('.ant-select-item-option').filter({ hasText: name }).click();
    await page.keyboard.press('Escape');
    const carrying = async () => (await through(nocobase, `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ labelIds: { $includes: stored.id } }))}`, rootToken)).body.data;
    for (const until = Date.now() + 15000; (await carrying()).length !== 1;) {
      if (Date.now() > until) throw new Error(`${(await carrying()).length} messages carry the label`);
      await page.waitForTimeout(200);
    }
    await page.getByTestId('message-row').first().getByTestId('row-labels').getByText(name).waitFor({ timeout: 15000 });
    // The label lists what carries it.
    await menu.getByText(name, { exact: true }).click();
    for (const until = Date.now() + 15000; (await page.getByTestId('message-row').count()) !== 1 && Date.now() < until;) await page.waitForTimeout(200);
    const rows = await page.getByTestId('message-row').allTextContents();
    assert(rows.length === 1 && rows[0].includes(subject), `listed under the label: ${JSON.stringify(rows)}`);
    await shot(page, '5-labels');
    // Deleted: gone from the list, and the message carries nothing.
    await menu.getByTestId('label-item').filter({ hasText: name }).getByTestId('label-delete').click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Delete' }).click();
    await menu.getByText(name, { exact: true }).waitFor({ state: 'detached', timeout: 15000 });
    assert(!(await through(nocobase, 'mailLabels:list?pageSize=200', rootToken)).body.data.some((l) => l.name === name), 'still listed');
    assert((await carrying()).length === 0, 'a message still carries the deleted label');
    await page.getByRole('menuitem', { name: 'Inbox' }).click();
  });

  /** Delivers raw mail to the mailbox, syncs it, and opens it on the mail page. */
  const deliverAndOpen = async (subject, raw) => {
    await emulator.control(`/users/${MAILBOX}/deliver`, { raw: Buffer.from(raw).toString('base64') });
    const accounts = await through(nocobase, 'mailAccounts:list', rootToken);
    const account = accounts.body.data.find((a) => a.email === MAILBOX);
    await through(nocobase, `mailAccounts:sync?filterByTk=${account.id}`, rootToken, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const bySubject = `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ subject: { $eq: subject } }))}`;
    const deadline = Date.now() + 30000;
    while ((await through(nocobase, bySubject, rootToken)).body.meta.count !== 1) {
      if (Date.now() > deadline) throw new Error(`"${subject}" was not synced`);
      await new Promise((r) => setTimeout(r, 300));
    }
    await page.reload();
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
    await page.getByTestId('message-row').filter({ hasText: subject }).first().click();
    await page.getByTestId('message-body').waitFor({ timeout: 15000 });
  };

  await check('reply: a Reply-To that leads elsewhere is shown, warned about, and editable before sending', async () => {
    const subject = `Wire today ${Date.now()}`;
    await deliverAndOpen(subject, `From: The CFO <cfo@corp.example>\r\nReply-To: <x@elsewhere.example>\r\nTo: ${MAILBOX}\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}@corp.example>\r\nContent-Type: text/plain\r\n\r\nPlease wire the money.\r\n`);
    assert((await page.getByTestId('message-reply-to').textContent()).includes('x@elsewhere.example'), 'Reply-To is not shown');
    await page.getByTestId('reply-to-warning').waitFor({ timeout: 5000 });
    await page.getByTestId('reply').click();
    await page.getByTestId('compose-warning').waitFor({ timeout: 15000 });
    const to = page.getByTestId('compose-to');
    await to.getByText('x@elsewhere.example').waitFor({ timeout: 5000 });
    await shot(page, '5-reply-to-warning');
    // The clerk replaces the address with the real sender's and sends.
    await to.locator('.ant-select-selection-item-remove').first().click();
    await to.locator('input').fill('cfo@corp.example');
    await to.locator('input').press('Enter');
    await page.getByTestId('compose-editor').locator('.ql-editor').fill('Is this really you?');
    await page.getByTestId('compose-send').click();
    await page.getByTestId('compose-form').waitFor({ state: 'hidden', timeout: 30000 });
    const sent = await emulator.control(`/users/${MAILBOX}/sent`);
    const headers = Buffer.from(sent[sent.length - 1].raw, 'base64').toString('utf8').split('\r\n\r\n')[0];
    assert(headers.includes('cfo@corp.example') && !headers.includes('elsewhere.example'), headers);
  });

  await check('reading: remote images wait for "Show images", and "always for this sender" remembers', async () => {
    const subject = `Newsletter ${Date.now()}`;
    await deliverAndOpen(subject, `From: Shop <news@shop.example>\r\nTo: ${MAILBOX}\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}@shop.example>\r\nContent-Type: text/html\r\n\r\n<p>Sale</p><img src="https://images.shop.example/banner.png">\r\n`);
    await page.getByTestId('images-bar').waitFor({ timeout: 10000 });
    const frame = page.frameLocator('iframe[data-testid="message-body"]');
    assert((await frame.locator('img').count()) === 1 && !(await frame.locator('img').getAttribute('src')), 'the remote image is not held back');
    await page.getByTestId('trust-sender').click();
    await page.getByTestId('images-trusted').waitFor({ timeout: 15000 });
    assert((await frame.locator('img').getAttribute('src')) === 'https://images.shop.example/banner.png', 'the image is not shown after trusting');
    const trusted = await through(nocobase, 'mailTrustedSenders:list', rootToken);
    assert(trusted.body.data.some((r) => r.address === 'news@shop.example'), JSON.stringify(trusted.body));
    await shot(page, '5-images');
  });

  await check('mail page: starring a message writes through to the mailbox', async () => {
    const opened = (await page.getByTestId('message-subject').textContent()).trim();
    const bySubject = `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ subject: { $eq: opened } }))}`;
    const before = (await through(nocobase, bySubject, rootToken)).body.data;
    assert(before.length === 1, `${before.length} messages titled "${opened}"`);
    const starredBefore = before[0].isStarred;
    const atProvider = async () => (await emulator.control(`/users/${MAILBOX}/messages`)).filter((m) => m.subject === opened);
    assert((await atProvider()).every((m) => m.isStarred === starredBefore), 'the provider and the list disagree before the click');
    await page.getByTestId('message-star').click();
    const deadline = Date.now() + 15000;
    for (;;) {
      const held = await atProvider();
      if (held.length === 1 && held[0].isStarred === !starredBefore) break;
      if (Date.now() > deadline) throw new Error(`"${opened}" did not change its star at the provider`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const after = (await through(nocobase, bySubject, rootToken)).body.data;
    assert(after[0].isStarred === !starredBefore, 'the list does not show the new star');
    // Starred lists it at once, no sync in between (#24: it waited for the next sync).
    const folders = (await through(nocobase, 'mailFolders:list', rootToken)).body.data;
    const starred = folders.find((f) => f.role === 'starred');
    await page.getByRole('menuitem', { name: starred.name }).click();
    const row = page.getByTestId('message-row').filter({ hasText: opened });
    if (!starredBefore) await row.first().waitFor({ timeout: 10000 });
    else await row.first().waitFor({ state: 'detached', timeout: 10000 });
    await page.getByRole('menuitem', { name: folders.find((f) => f.role === 'inbox').name }).click();
    await page.getByTestId('message-row').filter({ hasText: opened }).first().click();
    await page.getByTestId('message-body').waitFor({ timeout: 15000 });
  });

  await check('mail page: "Download original" saves the open message as the provider keeps it', async () => {
    const opened = (await page.getByTestId('message-subject').textContent()).trim();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20000 }),
      page.getByTestId('download-original').click(),
    ]);
    assert(/\.eml$/.test(download.suggestedFilename()), `saved as ${download.suggestedFilename()}`);
    const mime = fs.readFileSync(await download.path(), 'utf8');
    assert(/^From: /m.test(mime) && /^Message-ID: /mi.test(mime), `not a message: ${mime.slice(0, 200)}`);
    // A short ASCII subject stands in the header as it is (others are encoded or folded).
    if (/^[\x20-\x7e]{1,60}$/.test(opened)) assert(mime.includes(opened), 'the saved message is not the open one');
  });

  await check('notes: a note and a to-do under the open message; "My to-dos" lists it, opens it, and it is ticked off', async () => {
    const opened = (await page.getByTestId('message-subject').textContent()).trim();
    await page.getByTestId('message-notes').waitFor({ timeout: 15000 });
    await page.getByTestId('note-input').fill('Called Carol back');
    await page.getByTestId('note-add').click();
    await page.getByTestId('note').filter({ hasText: 'Called Carol back' }).getByText('You ·', { exact: false }).waitFor({ timeout: 15000 });
    await page.getByTestId('note-input').fill('Send Carol the offer');
    await page.getByTestId('note-todo').check();
    await page.getByTestId('note-due-input').fill('2030-03-01');
    await page.getByTestId('note-add').click();
    const todo = page.getByTestId('note').filter({ hasText: 'Send Carol the offer' });
    await todo.getByTestId('note-due').getByText('Due 2030-03-01').waitFor({ timeout: 15000 });
    await shot(page, '5-notes');
    const stored = await through(nocobase, `mailNotes:list?filter=${encodeURIComponent(JSON.stringify({ isTodo: true, done: false }))}`, rootToken);
    assert(stored.body.data.some((n) => n.text === 'Send Carol the offer' && n.dueAt === '2030-03-01T23:59:59Z'), JSON.stringify(stored.body));
    await page.getByRole('tab', { name: 'My to-dos' }).click();
    const row = page.getByTestId('my-todos').getByTestId('note').filter({ hasText: 'Send Carol the offer' });
    await row.waitFor({ timeout: 15000 });
    assert((await page.getByTestId('my-todos').getByTestId('note').filter({ hasText: 'Called Carol back' }).count()) === 0, 'a plain note is listed as a to-do');
    await shot(page, '5-todos');
    await row.getByTestId('todo-open').click();
    const dialog = page.locator('.ant-modal-content').filter({ has: page.getByTestId('message-notes') });
    assert((await dialog.getByTestId('message-subject').textContent()).trim() === opened, 'Open shows another message');
    await dialog.getByTestId('note').filter({ hasText: 'Send Carol the offer' }).getByTestId('note-done').check();
    const open = async () => (await through(nocobase, `mailNotes:list?filter=${encodeURIComponent(JSON.stringify({ isTodo: true, done: false }))}`, rootToken)).body.data.length;
    for (const until = Date.now() + 10000; (await open()) > 0 && Date.now() < until;) await page.waitForTimeout(200);
    assert((await open()) === 0, 'ticking the to-do off did not store it');
    await page.keyboard.press('Escape');
    await page.getByText('No open to-dos.', { exact: false }).waitFor({ timeout: 15000 });
    // Back on the mail page once it shows the inbox again (it first lists every folder's
    // mail, while the folders load): the next check counts its rows.
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
    const folders = await through(nocobase, 'mailFolders:list', rootToken);
    const inbox = folders.body.data.find((f) => f.role === 'inbox');
    for (const until = Date.now() + 15000; Date.now() < until; await page.waitForTimeout(250)) {
      if ((await page.getByTestId('message-row').count()) === Math.min(inbox.totalCount, 25)) break;
    }
  });

  await check('keyboard: j and k open the next and previous message, s stars, ? lists the keys, / searches', async () => {
    const rows = page.getByTestId('message-row');
    await rows.nth(1).waitFor({ timeout: 15000 });
    // Away from any field: the keys go to the page.
    await page.getByRole('tab', { name: 'Mail', exact: true }).focus();
    const subject = async () => (await page.getByTestId('message-subject').textContent({ timeout: 15000 })).trim();
    const openedRow = async (index) => {
      const title = await subject();
      assert((await rows.nth(index).textContent()).includes(title), `row ${index + 1} is not the open message "${title}"`);
      return title;
    };
    await page.keyboard.press('j');
    const first = await openedRow(0);
    await page.keyboard.press('j');
    await page.waitForFunction((t) => document.querySelector('[data-testid="message-subject"]')?.textContent.trim() !== t, first);
    await openedRow(1);
    await page.keyboard.press('k');
    await page.waitForFunction((t) => document.querySelector('[data-testid="message-subject"]')?.textContent.trim() === t, first);
    await openedRow(0);
    const stored = async () => (await through(nocobase, `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ subject: { $eq: first } }))}`, rootToken)).body.data[0].isStarred;
    const starred = await stored();
    await page.keyboard.press('s');
    for (const until = Date.now() + 10000; (await stored()) === starred && Date.now() < until;) await page.waitForTimeout(200);
    assert((await stored()) === !starred, '"s" did not star the open message');
    await page.keyboard.press('?');
    await page.locator('.ant-modal').getByText('Keyboard shortcuts').waitFor({ timeout: 5000 });
    // Escape once the dialog has opened (and holds the focus).
    await page.waitForFunction(() => !document.querySelector('.ant-zoom-appear, .ant-zoom-enter, .ant-fade-appear, .ant-fade-enter'));
    await shot(page, '5-shortcuts');
    await page.keyboard.press('Escape');
    await page.locator('.ant-modal').getByText('Keyboard shortcuts').waitFor({ state: 'hidden', timeout: 5000 });
    // Keys wait until a dialog is gone, not only hidden: its wrapper outlives the text
    // while it animates away (long on a busy machine).
    await page.waitForFunction(() => ![...document.querySelectorAll('.ant-modal-wrap')].some((e) => getComputedStyle(e).display !== 'none'), null, { timeout: 10000 });
    await page.keyboard.press('/');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('placeholder'));
    assert(focused === 'Search mail', `"/" focused ${focused}`);
    // Typed into the search box, "j" is a letter, not a command.
    await page.keyboard.type('j');
    assert((await subject()) === first, 'a key typed into the search box moved the list');
    await page.keyboard.press('Backspace');
    await page.getByRole('tab', { name: 'Mail', exact: true }).focus();
  });

  // After the notes and keyboard checks, which click below the open message: run first,
  // the files' row made the message taller, Playwright scrolled to reach the note's
  // button, and in headless Chromium the click then went into the sandboxed body frame
  // (document.activeElement was that frame afterwards; elementFromPoint gave the button,
  // and a script's click on the button worked). It is Chromium's own process for
  // sandboxed frames: with --disable-features=IsolateSandboxedIframes the same order
  // passes. The flow keeps the feature on, as users' browsers have it. Not tried in a
  // headed browser.
  await readingChecks({ page, mailbox: MAILBOX, deliverAndOpen, shot });

  await check('live: pushed mail appears on the open mail page without a reload', async () => {
    // The admin's Pub/Sub set-up: the topic pushes to the webhook, through NocoBase.
    const topic = 'projects/e2e/topics/gmail-changes';
    const serviceAccount = 'gmail-push@e2e.iam.gserviceaccount.com';
    await emulator.control('/pubsub/subscriptions', { topic, pushEndpoint: `${nocobase.url}/api/mailWebhooks:google`, audience: 'nocobase-e2e', serviceAccountEmail: serviceAccount });
    const saved = await through(nocobase, 'mailProviders:update?filterByTk=google', rootToken, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pubsubTopic: topic, pushAudience: 'nocobase-e2e', pushServiceAccount: serviceAccount }),
    });
    assert(saved.status === 200, `saving the topic: ${saved.status}`);
    const deadline = Date.now() + 20000;
    while (!(await emulator.control('/push')).gmailWatches.some((w) => w.email === MAILBOX)) {
      if (Date.now() > deadline) throw new Error('the mailbox never watched the topic');
      await new Promise((r) => setTimeout(r, 250));
    }
    const subject = `Live from the emulator ${Date.now()}`;
    const before = await page.getByTestId('message-row').count();
    // The top bar's envelope counts the unread mail, live too (#24).
    const badge = page.getByTestId('email-unread-badge');
    const unreadNow = async () => (await through(nocobase, 'mailAccounts:list', rootToken)).body.data.reduce((sum, a) => sum + a.unreadCount, 0);
    // Settled first: messages opened just before were marked read a moment ago.
    for (const until = Date.now() + 10000; Number(await badge.getAttribute('data-unread')) !== (await unreadNow()) && Date.now() < until;) await page.waitForTimeout(200);
    const unreadBefore = Number(await badge.getAttribute('data-unread'));
    assert(unreadBefore === (await unreadNow()), `the envelope says ${unreadBefore} unread; the mailboxes hold ${await unreadNow()}`);
    await emulator.control(`/users/${MAILBOX}/deliver`, { from: 'Carol Client <carol@client.example>', subject, text: 'pushed' });
    // The poll is an hour away and nobody reloads: the push wakes the sync, the event
    // stream tells the page.
    await page.getByTestId('message-row').filter({ hasText: subject }).waitFor({ timeout: 15000 });
    const pushes = (await emulator.control('/push')).deliveries.filter((d) => d.kind === 'gmail.push' && d.email === MAILBOX);
    assert(pushes.length > 0 && pushes.every((d) => d.status === 204), `pushes: ${JSON.stringify(pushes)}`);
    assert((await page.getByTestId('message-row').count()) >= Math.min(before + 1, 25), 'the list did not grow');
    for (const until = Date.now() + 10000; Number(await badge.getAttribute('data-unread')) <= unreadBefore && Date.now() < until;) await page.waitForTimeout(200);
    const unreadAfter = Number(await badge.getAttribute('data-unread'));
    const truth = await unreadNow();
    assert(unreadAfter > unreadBefore && unreadAfter === truth, `the envelope says ${unreadAfter} unread (before ${unreadBefore}); the mailboxes hold ${truth}`);
    await shot(page, '5-live');
    // The accounts page says the mailbox is live (pushed), not polled.
    await page.getByRole('tab', { name: 'My mail accounts' }).click();
    await page.getByTestId(`account-${MAILBOX}`).getByTestId('account-push').getByText('Live').waitFor({ timeout: 15000 });
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
  });

  await writingChecks({ page, nocobase, emulator, mailbox: MAILBOX, rootToken, through, shot });
  await recordBlockChecks({ page, nocobase, nb, emulator, mailbox: MAILBOX, rootToken, through, shot });
  await mailMergeChecks({ page, nocobase, nb, emulator, mailbox: MAILBOX, rootToken, through, shot });
  await mailMergeKillChecks({
    nocobase, nb, emulator, mailbox: MAILBOX, rootToken, through, limitPerDay: MERGE_LIMIT_PER_DAY,
    kill: () => services.kill(sidecar.child),
    restart: async () => {
      sidecar = await services.sidecar(SIDECAR_BIN, 'plugin-restarted', { ...sidecarEnv, EMAIL_MANAGER__DATABASE__URL: sidecar.database });
    },
  });
  await workflowChecks({
    page, nocobase, nb, emulator, mailbox: MAILBOX, rootToken, through, shot,
    restartSidecar: async () => {
      await services.kill(sidecar.child);
      sidecar = await services.sidecar(SIDECAR_BIN, 'plugin-workflows', { ...sidecarEnv, EMAIL_MANAGER__DATABASE__URL: sidecar.database });
    },
    killNocoBase: () => services.kill(nocobase.child),
    startNocoBase: () => nocobase.start(APP_KEY, { EMAIL_MANAGER_URL: sidecarUrl }, 'nocobase-server-restarted'),
  });

  await check('proxy: a multipart send with an attachment streams through NocoBase', async () => {
    const accounts = await through(nocobase, 'mailAccounts:list', rootToken);
    const account = accounts.body.data[0].id;
    const form = new FormData();
    form.append('accountId', String(account));
    form.append('to', 'zoe@acme.example');
    form.append('subject', 'A file through the proxy');
    form.append('text', 'See the attachment.');
    const bytes = crypto.randomBytes(3 * 1024 * 1024);
    form.append('attachments', new Blob([bytes], { type: 'application/octet-stream' }), 'data.bin');
    const reply = await through(nocobase, 'mailMessages:send', rootToken, { method: 'POST', body: form });
    assert(reply.status === 200 && reply.body.data.status === 'sent', `${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
  });

  await check('proxy: attachment downloads stream back with their file name', async () => {
    const listed = await through(nocobase, `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ hasAttachments: true }))}`, rootToken);
    assert(listed.status === 200 && listed.body.data.length > 0, 'a message with attachments');
    const message = await through(nocobase, `mailMessages:get?filterByTk=${listed.body.data[0].id}`, rootToken);
    const attachment = message.body.data.attachments[0];
    const download = await through(nocobase, `mailAttachments:download?filterByTk=${attachment.id}`, rootToken);
    assert(download.status === 200, `download ${download.status}`);
    assert((download.headers.get('content-disposition') || '').includes('attachment'), 'a Content-Disposition');
    assert(download.body.length === attachment.size, `${download.body.length} bytes, stored size ${attachment.size}`);
  });

  await check('proxy: NocoBase renews an expired token and passes X-New-Token to the browser', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signed({ ...claimsOf(rootToken), iat: now - 86400 - 30, exp: now - 30 }, APP_KEY);
    const reply = await through(nocobase, 'mailAccounts:list', expired);
    assert(reply.status === 200, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    const renewed = reply.headers.get('x-new-token');
    assert(renewed && claimsOf(renewed).exp > now, 'no X-New-Token');
    const next = await through(nocobase, 'mailAccounts:list', renewed);
    assert(next.status === 200, `the renewed token: ${next.status}`);
  });

  await check('proxy: no token and a signed-out token get NocoBase\'s own 401s', async () => {
    const none = await through(nocobase, 'mailAccounts:list', null);
    assert(none.status === 401 && none.body.errors[0].code === 'EMPTY_TOKEN', JSON.stringify(none.body));
    const other = new APIClient({ baseURL: `${nocobase.url}/api/`, storageType: 'memory' });
    await other.auth.signIn(ROOT, 'basic');
    const token = other.auth.getToken();
    await other.auth.signOut();
    const out = await through(nocobase, 'mailAccounts:list', token);
    assert(out.status === 401 && out.body.errors[0].code === 'BLOCKED_TOKEN', JSON.stringify(out.body));
  });

  await check('proxy: a member reaches their own mail through NocoBase, not the admin settings', async () => {
    const member = { email: `member-${crypto.randomBytes(4).toString('hex')}@example.com`, password: 'member-password-1' };
    const created = await nb.request({ url: 'users:create', method: 'post', data: { ...member, roles: ['member'] } });
    assert(created.status === 200, `users:create ${created.status}`);
    const memberApi = new APIClient({ baseURL: `${nocobase.url}/api/`, storageType: 'memory' });
    await memberApi.auth.signIn({ account: member.email, password: member.password }, 'basic');
    const token = memberApi.auth.getToken();
    const own = await through(nocobase, 'mailAccounts:list', token);
    assert(own.status === 200 && own.body.meta.count === 0, `mailAccounts:list as member: ${own.status} ${JSON.stringify(own.body)}`);
    const mailOfOthers = await through(nocobase, 'mailMessages:list', token);
    assert(mailOfOthers.status === 200 && mailOfOthers.body.meta.count === 0, `the admin's private mail is visible: ${JSON.stringify(mailOfOthers.body.meta)}`);
    const settings = await through(nocobase, 'mailProviders:list', token);
    assert(settings.status === 403, `mailProviders:list as member: ${settings.status}`);
    memberAccount = { ...member, id: created.data.data.id, token };
  });

  await check('accounts page: sharing names the roles that see the mailbox, and only they do', async () => {
    await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
    await page.getByTestId(`account-${MAILBOX}`).getByTestId('account-share').click();
    const dialog = page.getByTestId('share-form');
    await dialog.waitFor({ timeout: 15000 });
    await page.getByTestId('share-visibility').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Plus subjects' }).click();
    await page.getByTestId('share-roles').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'member' }).first().click();
    await shot(page, '6-share');
    // Close the role list (it covers the dialog's buttons).
    await dialog.getByText('They see').click();
    await page.locator('.ant-modal-footer').getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 15000 });
    // The change is confirmed, naming who now sees the mailbox.
    await page.locator('.ant-message').getByText('Sharing saved: member see this mailbox.').waitFor({ timeout: 5000 });
    const seen = await through(nocobase, 'mailMessages:list?pageSize=5', memberAccount.token);
    assert(seen.body.meta.count > 0 && seen.body.data.every((m) => typeof m.subject === 'string' && m.snippet === null),
      `the member does not see subjects only: ${JSON.stringify(seen.body.data.slice(0, 2))}`);
    const back = await through(nocobase, `mailAccounts:update?filterByTk=${seen.body.data[0].accountId}`, rootToken, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visibility: 'private', sharedWithRoles: [] }),
    });
    assert(back.status === 200, `back to private: ${back.status}`);
    const hidden = await through(nocobase, 'mailMessages:list', memberAccount.token);
    assert(hidden.body.meta.count === 0, 'still visible after going private');
  });

  await check('a deleted NocoBase user\'s mailbox is disconnected in the sidecar', async () => {
    // The member connects a mailbox of their own, through NocoBase, as a browser would.
    const box = 'member-box@gmail.test';
    await emulator.control('/users', { provider: 'google', email: box, messages: 2 });
    const asked = await fetch(`${nocobase.url}/api/mailAccounts:authorize`, {
      method: 'POST', headers: { authorization: `Bearer ${memberAccount.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'google', returnUrl: `${nocobase.url}/admin/email-manager` }),
    });
    const cookie = asked.headers.get('set-cookie').split(';')[0];
    const consent = await fetch((await asked.json()).data.url, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: box, action: 'allow' }),
    });
    const landed = await fetch(consent.headers.get('location'), { redirect: 'manual', headers: { cookie } });
    assert((landed.headers.get('location') || '').includes('status=connected'), `member connect: ${landed.headers.get('location')}`);
    const owned = async () => (await through(nocobase, 'mailAccounts:list?scope=all&pageSize=200', rootToken)).body.data.filter((a) => a.email === box);
    assert((await owned()).length === 1, 'the member\'s mailbox is not there');
    const destroyed = await nb.request({ url: 'users:destroy', method: 'post', params: { filterByTk: memberAccount.id } });
    assert(destroyed.status === 200, `users:destroy ${destroyed.status}`);
    const deadline = Date.now() + 20000;
    while ((await owned()).length) {
      if (Date.now() > deadline) throw new Error('the deleted user\'s mailbox is still connected');
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  await check('the mail page speaks Chinese and Polish, system folders included', async () => {
    // NocoBase offers only the languages its system settings enable.
    const enabled = await nb.request({ url: 'systemSettings:update', method: 'post', params: { filterByTk: 1 }, data: { enabledLanguages: ['en-US', 'zh-CN', 'pl-PL'] } });
    assert(enabled.status === 200, `systemSettings:update ${enabled.status}`);
    // Gmail names its system labels in English whatever the user's language (#24).
    for (const [locale, inbox, sent, tab] of [['zh-CN', '收件箱', '已发送', '我的邮箱账户'], ['pl-PL', 'Odebrane', 'Wysłane', 'Moje konta pocztowe']]) {
      await page.evaluate((l) => localStorage.setItem('NOCOBASE_LOCALE', l), locale);
      await page.goto(`${nocobase.url}/admin/email-manager?tab=mail`);
      await page.getByRole('menuitem', { name: inbox }).waitFor({ timeout: 30000 });
      await page.getByRole('menuitem', { name: sent }).waitFor({ timeout: 5000 });
      await page.getByRole('tab', { name: tab }).waitFor({ timeout: 5000 });
      const text = await page.textContent('body');
      assert(!/\bInbox\b/.test(text), `${locale}: "Inbox" still in English`);
      await shot(page, `6-mail-${locale}`);
    }
    await page.evaluate(() => localStorage.setItem('NOCOBASE_LOCALE', 'en-US'));
    await page.goto(`${nocobase.url}/admin/email-manager?tab=mail`);
    await page.getByRole('menuitem', { name: 'Inbox' }).waitFor({ timeout: 30000 });
  });

  await check('accounts page: Disconnect asks first, then removes the mailbox and its mail', async () => {
    await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
    const row = page.getByTestId(`account-${MAILBOX}`);
    await row.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('No mailbox connected yet.').waitFor({ timeout: 15000 });
    // The Mail tab points to the tab by the name it has.
    await page.getByRole('tab', { name: 'Mail', exact: true }).click();
    await page.getByText('Connect a mailbox first (the My mail accounts tab).').waitFor({ timeout: 15000 });
    await page.getByRole('tab', { name: 'My mail accounts' }).click();
    const left = await through(nocobase, 'mailMessages:list', rootToken);
    assert(left.body.meta.count === 0, `${left.body.meta.count} messages left`);
  });

  await recordBlockWithoutMailboxChecks({ page, shot });

  await check('the pages speak Chinese when the user\'s language is zh-CN', async () => {
    // NocoBase offers only the languages its system settings enable.
    const enabled = await nb.request({ url: 'systemSettings:update', method: 'post', params: { filterByTk: 1 }, data: { enabledLanguages: ['en-US', 'zh-CN'] } });
    assert(enabled.status === 200, `systemSettings:update ${enabled.status}`);
    await page.evaluate(() => localStorage.setItem('NOCOBASE_LOCALE', 'zh-CN'));
    await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
    await page.getByRole('button', { name: '连接 Gmail' }).waitFor({ timeout: 30000 });
    await page.getByRole('tab', { name: '我的邮箱账户' }).waitFor();
    await shot(page, '6-accounts-zh');
    await page.evaluate(() => localStorage.setItem('NOCOBASE_LOCALE', 'en-US'));
  });

  await check('proxy: the sidecar down is a 502 that says so', async () => {
    await services.stop(sidecar.child);
    const reply = await through(nocobase, 'mailAccounts:list', rootToken);
    assert(reply.status === 502 && reply.body.errors[0].code === 'EMAIL_SERVICE_UNREACHABLE', `${reply.status} ${JSON.stringify(reply.body)}`);
    // Said to the user in words they understand, not as an empty mailbox list (#24), and
    // the administrator's detail (an environment variable) stays in NocoBase's log.
    assert(!reply.body.errors[0].message.includes('EMAIL_MANAGER_URL'), reply.body.errors[0].message);
    for (const tab of ['mail', 'accounts']) {
      await page.goto(`${nocobase.url}/admin/email-manager?tab=${tab}`);
      // In the language the Chinese check above may have left the user with.
      const down = page.getByTestId('service-down');
      await down.waitFor({ timeout: 30000 });
      const said = await down.textContent();
      assert(said.includes('The email service is unavailable') || said.includes('邮件服务暂时不可用'), said);
      const text = await page.textContent('body');
      const misleading = ['Connect a mailbox first', 'No mailbox connected yet', '请先连接邮箱', '尚未连接邮箱', 'EMAIL_MANAGER_URL'];
      assert(!misleading.some((m) => text.includes(m)), `${tab}: ${text.slice(0, 300)}`);
    }
    await shot(page, '7-service-down');
    // Other NocoBase routes are untouched.
    const users = await through(nocobase, 'users:list', rootToken);
    assert(users.status === 200, `users:list ${users.status}`);
  });
} catch (error) {
  await check('the run completes', () => { throw error; });
} finally {
  if (browser) await browser.close();
  await services.stopAll();
  if (failed()) services.printLogs();
  else fs.rmSync(work, { recursive: true, force: true });
}
console.log(`screenshots: ${path.resolve(artifacts)}/plugin-*.png`);
process.exit(summary('plugin'));
