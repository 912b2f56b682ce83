// Remote content, measured in a real browser: a corpus of tracking-pixel placements and
// public XSS vectors, each mailed to a Gmail mailbox in the emulator, synced by the
// sidecar, fetched with `mailMessages:get?blockRemoteImages=true` and shown in headless
// Chromium exactly as the plugin shows a message (the sandboxed frame and its policy,
// nocobase-plugin/src/client/mail/frame.mjs). Every vector points at a local "tracker"
// that counts what reaches it: a script that ran reports to /script/…, anything else
// that loaded to /load/…. Until "Show images" nothing may reach it; afterwards only the
// plain <img> placements may load, and still no script. Run by .ci/run:
//   EMULATOR_BIN=… SIDECAR_BIN=… ARTIFACTS_DIR=… node tests/browser/remote_content.mjs
// Writes remote-content.json (the measurement) and prints "remote-content: N passed, N failed".
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { frameDocument } from '../../nocobase-plugin/src/client/mail/frame.mjs';
import { assert, check, failed, summary } from '../harness/checks.mjs';
import { Services, emulatorEndpoints, signed } from '../harness/services.mjs';
import { chromiumOptions } from '../harness/browser.mjs';

const { EMULATOR_BIN, SIDECAR_BIN } = process.env;
if (!EMULATOR_BIN || !SIDECAR_BIN) {
  console.error('set EMULATOR_BIN and SIDECAR_BIN');
  process.exit(2);
}
const artifacts = process.env.ARTIFACTS_DIR || 'target/artifacts';
fs.mkdirSync(artifacts, { recursive: true });
const APP_KEY = crypto.randomBytes(24).toString('hex');
const MAILBOX = 'reader@gmail.test';
const now = () => Math.floor(Date.now() / 1000);
const reader = signed({ userId: 7, temp: true, jti: crypto.randomUUID(), iat: now(), signInTime: Date.now(), exp: now() + 3600 }, APP_KEY);
const admin = signed({ userId: 1, roleName: 'admin', iat: now(), exp: now() + 3600 }, APP_KEY);

// The tracker: every request is a hit, by path.
const hits = [];
const tracker = http.createServer((req, res) => {
  hits.push(req.url);
  res.setHeader('content-type', 'image/gif');
  res.setHeader('access-control-allow-origin', '*');
  res.end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
});
await new Promise((resolve) => tracker.listen(0, '127.0.0.1', resolve));
const T = `http://127.0.0.1:${tracker.address().port}`;
const ran = (name) => `fetch('${T}/script/${name}')`;

// [name, html, loads once images are shown (a plain <img>)]
const CORPUS = [
  ['img', `<img src="${T}/load/img">`, true],
  ['img-upper-scheme', `<img src="${T.replace('http', 'HTTP')}/load/img-upper-scheme">`, true],
  ['img-leading-space', `<img src=" ${T}/load/img-leading-space">`, true],
  ['img-backslashes', `<img src="${T.replace('//', '\\\\')}/load/img-backslashes">`, true],
  ['img-no-slashes', `<img src="${T.replace('//', '')}/load/img-no-slashes">`, true],
  ['img-entity', `<img src="&#104;${T.slice(1)}/load/img-entity">`, true],
  ['img-srcset', `<img srcset="${T}/load/img-srcset 1x">`, false],
  ['table-background', `<table background="${T}/load/table-background"><tr><td>x</td></tr></table>`, false],
  ['td-background', `<table><tr><td background="${T}/load/td-background">x</td></tr></table>`, false],
  ['style-url', `<div style="background:url(${T}/load/style-url)">x</div>`, false],
  ['style-url-escaped', `<div style="background:u\\rl(${T}/load/style-url-escaped)">x</div>`, false],
  ['style-image-set', `<div style="background-image:image-set('${T}/load/style-image-set' 1x)">x</div>`, false],
  ['style-list-image', `<ul style="list-style-image:url(${T}/load/style-list-image)"><li>x</li></ul>`, false],
  ['style-sheet-import', `<style>@import url(${T}/load/style-sheet-import);</style><p>x</p>`, false],
  ['style-sheet-background', `<style>p{background:url(${T}/load/style-sheet-background)}</style><p>x</p>`, false],
  ['link-stylesheet', `<link rel="stylesheet" href="${T}/load/link-stylesheet"><p>x</p>`, false],
  ['link-prefetch', `<link rel="prefetch" href="${T}/load/link-prefetch"><p>x</p>`, false],
  ['meta-refresh', `<meta http-equiv="refresh" content="0;url=${T}/load/meta-refresh"><p>x</p>`, false],
  ['base-href', `<base href="${T}/load/base-href/"><img src="pixel.gif">`, false],
  ['video-poster', `<video poster="${T}/load/video-poster"></video>`, false],
  ['audio-src', `<audio autoplay src="${T}/load/audio-src"></audio>`, false],
  ['svg-image', `<svg><image href="${T}/load/svg-image" width="1" height="1"></image></svg>`, false],
  ['svg-xlink-image', `<svg><image xlink:href="${T}/load/svg-xlink-image"></image></svg>`, false],
  ['input-image', `<input type="image" src="${T}/load/input-image">`, false],
  ['object-data', `<object data="${T}/load/object-data"></object>`, false],
  ['embed-src', `<embed src="${T}/load/embed-src">`, false],
  ['iframe-src', `<iframe src="${T}/load/iframe-src"></iframe>`, false],
  ['a-ping', `<a href="https://ok.example/" ping="${T}/load/a-ping">x</a>`, false],
  ['body-background', `<body background="${T}/load/body-background">x</body>`, false],
  ['font-face', `<style>@font-face{font-family:x;src:url(${T}/load/font-face)}</style><p style="font-family:x">x</p>`, false],
  ['relative-download', '<img src="/api/mailAttachments:download?filterByTk=1">', false],
  ['script-tag', `<script>${ran('script-tag')}</script>`, false],
  ['img-onerror', `<img src="x" onerror="${ran('img-onerror')}">`, false],
  ['svg-onload', `<svg onload="${ran('svg-onload')}"></svg>`, false],
  ['body-onload', `<body onload="${ran('body-onload')}">x</body>`, false],
  ['details-ontoggle', `<details open ontoggle="${ran('details-ontoggle')}">x</details>`, false],
  ['iframe-srcdoc', `<iframe srcdoc="<script>${ran('iframe-srcdoc')}</script>"></iframe>`, false],
  ['javascript-link', `<a id="j" href="javascript:${ran('javascript-link')}">x</a>`, false],
  ['noscript-mxss', `<noscript><p title="</noscript><img src=x onerror=${ran('noscript-mxss')}>"></noscript>`, false],
  ['math-mxss', `<math><mtext><table><mglyph><style><img src=x onerror=${ran('math-mxss')}>`, false],
  ['svg-animate', `<svg><animate onbegin="${ran('svg-animate')}" attributeName="x" dur="1s"></animate></svg>`, false],
  ['form-action', `<form action="${T}/load/form-action"><button id="f">go</button></form>`, false],
  ['data-svg', `<img src="data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" onload="${ran('data-svg')}"/>`).toString('base64')}">`, false],
];

function mime(name, html) {
  return `From: Tracker Test <news@shop.example>\r\nTo: ${MAILBOX}\r\nSubject: vector ${name}\r\n`
    + `Message-ID: <${name}@shop.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n`
    + `<html><body><p>${name}</p>${html}</body></html>\r\n`;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-remote-'));
const services = new Services(work);
let browser;
try {
  const emulator = await services.emulator(EMULATOR_BIN);
  const sidecar = await services.sidecar(SIDECAR_BIN, 'remote', {
    EMAIL_MANAGER__NOCOBASE__APP_KEY: APP_KEY,
    EMAIL_MANAGER__CORS__ALLOWED_ORIGINS: 'http://nocobase.test',
    EMAIL_MANAGER__SYNC__ENABLED: 'true',
    EMAIL_MANAGER__SYNC__INTERVAL_SECS: '3600',
    ...emulatorEndpoints(emulator.url),
  });
  const call = async (action, token, values, query = '') => {
    const response = await fetch(`${sidecar.api}${action}${query ? `?${query}` : ''}`, {
      method: values === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: values === undefined ? undefined : JSON.stringify(values),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  await emulator.control('/clients', { provider: 'google', clientId: 'remote-app', clientSecret: 'remote-secret-1234', redirectUris: [`${sidecar.url}/api/mailOAuth:callback`] });
  await call('mailProviders:update', admin, { clientId: 'remote-app', clientSecret: 'remote-secret-1234', enabled: true }, 'filterByTk=google');
  await emulator.control('/users', { provider: 'google', email: MAILBOX, messages: 0 });
  for (const [name, html] of CORPUS) {
    await emulator.control(`/users/${MAILBOX}/deliver`, { raw: Buffer.from(mime(name, html)).toString('base64') });
  }
  // Connect the way a browser does: the binding cookie goes from authorize to callback.
  const asked = await call('mailAccounts:authorize', reader, { provider: 'google', returnUrl: 'http://nocobase.test/admin' });
  const cookie = asked.headers.get('set-cookie').split(';')[0];
  const consent = await fetch(asked.body.data.url, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: MAILBOX, action: 'allow' }),
  });
  const back = await fetch(consent.headers.get('location'), { redirect: 'manual', headers: { cookie } });
  assert(back.headers.get('location').includes('status=connected'), `connect: ${back.headers.get('location')}`);
  const deadline = Date.now() + 60000;
  let rows = [];
  while (rows.length < CORPUS.length) {
    if (Date.now() > deadline) throw new Error(`${rows.length} of ${CORPUS.length} messages synced`);
    await new Promise((r) => setTimeout(r, 300));
    rows = (await call('mailMessages:list', reader, undefined, 'pageSize=200')).body.data;
  }
  const idOf = Object.fromEntries(rows.map((row) => [row.subject.replace('vector ', ''), row.id]));

  browser = await chromium.launch(chromiumOptions());
  const context = await browser.newContext();
  // The page the frame lives in, on an origin of its own (as NocoBase's is).
  const host = http.createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><title>NocoBase</title><div id="mail"></div>'); });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${host.address().port}/admin/email-manager`);

  /** Shows one message's sanitized body as the plugin does; the tracker hits it caused. */
  const show = async (name, showImages) => {
    const got = await call('mailMessages:get', reader, undefined, `filterByTk=${idOf[name]}&blockRemoteImages=${!showImages}`);
    const before = hits.length;
    await page.evaluate((doc) => {
      const frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
      frame.srcdoc = doc;
      const box = document.getElementById('mail');
      box.replaceChildren(frame);
      return new Promise((resolve) => { frame.onload = resolve; setTimeout(resolve, 3000); });
    }, frameDocument(got.body.data.bodyHtml || '', showImages));
    await page.waitForTimeout(300);
    return { hits: hits.slice(before), blocked: got.body.data.remoteImagesBlocked };
  };

  const measured = { vectors: CORPUS.length, blocked: { scripts: 0, loads: 0 }, shown: { scripts: 0, loads: 0, images: 0 }, perVector: {} };
  await check(`${CORPUS.length} vectors with images blocked: no script runs, no request leaves`, async () => {
    for (const [name] of CORPUS) {
      const { hits: caused } = await show(name, false);
      measured.perVector[name] = { blocked: caused };
      measured.blocked.scripts += caused.filter((h) => h.startsWith('/script/')).length;
      measured.blocked.loads += caused.filter((h) => h.startsWith('/load/')).length;
    }
    const leaks = Object.entries(measured.perVector).filter(([, v]) => v.blocked.length).map(([k, v]) => `${k}: ${v.blocked.join(' ')}`);
    assert(leaks.length === 0, `requests left before "Show images": ${leaks.join('; ')}`);
  });
  await check('after "Show images": the plain images load, nothing else, and still no script', async () => {
    const unexpected = [];
    for (const [name, , loads] of CORPUS) {
      const { hits: caused } = await show(name, true);
      measured.perVector[name].shown = caused;
      measured.shown.scripts += caused.filter((h) => h.startsWith('/script/')).length;
      measured.shown.loads += caused.filter((h) => h.startsWith('/load/')).length;
      if (loads && caused.some((h) => h === `/load/${name}`)) measured.shown.images += 1;
      if (loads ? !caused.every((h) => h === `/load/${name}`) || caused.length === 0 : caused.length > 0) unexpected.push(`${name}: ${JSON.stringify(caused)}`);
    }
    assert(measured.shown.scripts === 0, `${measured.shown.scripts} scripts ran`);
    assert(unexpected.length === 0, unexpected.join('; '));
  });
  await check('a script-free frame: clicking a javascript: link runs nothing', async () => {
    await show('javascript-link', true);
    const before = hits.length;
    await page.frameLocator('iframe').locator('a').first().click({ timeout: 5000 }).catch(() => {});
    await page.waitForTimeout(300);
    assert(hits.slice(before).length === 0, `hits: ${hits.slice(before)}`);
  });
  fs.writeFileSync(path.join(artifacts, 'remote-content.json'), JSON.stringify(measured, null, 2));
  console.log(`remote-content measurement: ${measured.vectors} vectors; blocked: ${measured.blocked.scripts} scripts ran, ${measured.blocked.loads} requests left; shown: ${measured.shown.scripts} scripts ran, ${measured.shown.images} images loaded, ${measured.shown.loads - measured.shown.images} other requests`);
  host.close();
} catch (error) {
  await check('setting up the remote-content measurement', async () => { throw error; });
} finally {
  if (browser) await browser.close();
  tracker.close();
  if (failed()) services.printLogs();
  await services.stopAll();
}
process.exit(summary('remote-content'));
