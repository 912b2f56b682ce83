// The sidecar beside a real NocoBase: NocoBase 2.2.x installed from npm (tests/nocobase/
// install.sh) runs on SQLite with a known APP_KEY, the sidecar checks its tokens, and
// NocoBase's own client (@nocobase/sdk's APIClient, loaded from NocoBase's install) drives
// both. Then NocoBase restarts with its default APP_KEY, so it writes
// storage/apps/main/jwt_secret.dat, and the sidecar reads its key from that file.
// Run by .ci/run:
//   NB_APP=… SIDECAR_BIN=… node tests/nocobase/interop.mjs
// Prints each check and a closing "nocobase: N passed, N failed".
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, check, failed, summary } from '../harness/checks.mjs';
import { NocoBase, ROOT, loadSdk } from '../harness/nocobase.mjs';
import { Services, claimsOf, signed } from '../harness/services.mjs';

const { NB_APP, SIDECAR_BIN } = process.env;
if (!NB_APP || !SIDECAR_BIN) {
  console.error('set NB_APP (an installed NocoBase app folder) and SIDECAR_BIN');
  process.exit(2);
}
const { APIClient } = loadSdk(NB_APP);
const APP_KEY = crypto.randomBytes(32).toString('hex');
// How long the sidecar reuses an auth:check answer; a sign-out must show within it.
const CHECK_CACHE_SECS = 3;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-nocobase-'));
const services = new Services(work);

function same(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, NocoBase's is ${e}`);
}
/** An SDK client with a token already set: how NocoBase's pages call an API. */
function clientFor(baseURL, token) {
  const api = new APIClient({ baseURL, storageType: 'memory' });
  if (token) api.auth.setToken(token);
  return api;
}
/** Status, headers and body of an SDK call, whether it succeeded or not. */
async function call(api, resource, action, params) {
  try {
    const response = await api.resource(resource)[action](params);
    return { status: response.status, headers: response.headers, body: response.data };
  } catch (error) {
    if (!error.response) throw error;
    return { status: error.response.status, headers: error.response.headers, body: error.response.data };
  }
}

let exitCode = 1;
try {
  const nocobase = await NocoBase.create(NB_APP, services, 'nocobase');
  const nocobaseUrl = nocobase.url;
  nocobase.cli(['install'], APP_KEY);
  await nocobase.start(APP_KEY);

  const sidecar = await services.sidecar(SIDECAR_BIN, 'checked', {
    EMAIL_MANAGER__NOCOBASE__URL: nocobaseUrl,
    EMAIL_MANAGER__NOCOBASE__APP_KEY: APP_KEY,
    EMAIL_MANAGER__NOCOBASE__CHECK_CACHE_SECS: String(CHECK_CACHE_SECS),
  });

  // Root signs in through NocoBase, as the sign-in page does.
  const nb = new APIClient({ baseURL: `${nocobaseUrl}/api/`, storageType: 'memory' });
  await nb.auth.signIn(ROOT, 'basic');
  const rootToken = nb.auth.getToken();
  assert(rootToken, 'auth:signIn gave no token');
  const asRoot = clientFor(sidecar.api, rootToken);

  await check('root/admin can mailProviders:list through the SDK', async () => {
    const reply = await call(asRoot, 'mailProviders', 'list');
    assert(reply.status === 200, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    const names = reply.body.data.map((p) => p.name).sort();
    same(names, ['google', 'imap', 'microsoft'], 'providers');
  });

  await check('root/admin can mailProviders:update, and the secret is not echoed', async () => {
    const reply = await call(asRoot, 'mailProviders', 'update', {
      filterByTk: 'google', values: { clientId: 'interop-client.apps.googleusercontent.com', clientSecret: 'interop-secret-value-1234' },
    });
    assert(reply.status === 200, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    const [google] = reply.body.data;
    assert(google.clientId === 'interop-client.apps.googleusercontent.com' && google.clientSecretSet === true, JSON.stringify(google));
    assert(!JSON.stringify(reply.body).includes('interop-secret-value-1234'), 'the secret came back');
  });

  await check('a list envelope has the shape of NocoBase\'s own lists', async () => {
    const theirs = await call(nb, 'users', 'list', { page: 1, pageSize: 20 });
    assert(theirs.status === 200, `users:list ${theirs.status}`);
    const shape = (body) => ({
      top: Object.keys(body).sort(),
      meta: Object.fromEntries(Object.entries(body.meta).sort().map(([k, v]) => [k, typeof v])),
      data: Array.isArray(body.data),
    });
    for (const resource of ['mailAccounts', 'mailMessages', 'mailThreads', 'mailOutbox']) {
      const ours = await call(asRoot, resource, 'list', { page: 1, pageSize: 20 });
      assert(ours.status === 200, `${resource}:list ${ours.status}: ${JSON.stringify(ours.body)}`);
      same(shape(ours.body), shape(theirs.body), `${resource}:list envelope`);
      same({ page: ours.body.meta.page, pageSize: ours.body.meta.pageSize }, { page: 1, pageSize: 20 }, `${resource}:list paging`);
    }
  });

  // A member, created through NocoBase's API, as an admin does in NocoBase's user settings.
  const member = { email: `member-${crypto.randomBytes(4).toString('hex')}@example.com`, password: 'member-password-1' };
  const created = await call(nb, 'users', 'create', { values: { ...member, roles: ['member'] } });
  assert(created.status === 200, `users:create ${created.status}: ${JSON.stringify(created.body)}`);
  const memberNb = new APIClient({ baseURL: `${nocobaseUrl}/api/`, storageType: 'memory' });
  await memberNb.auth.signIn({ account: member.email, password: member.password }, 'basic');
  const memberToken = memberNb.auth.getToken();
  const asMember = clientFor(sidecar.api, memberToken);

  await check('a member gets 403 on mailProviders, and 200 on their own accounts', async () => {
    const list = await call(asMember, 'mailProviders', 'list');
    assert(list.status === 403, `mailProviders:list as member: ${list.status} ${JSON.stringify(list.body)}`);
    assert(Array.isArray(list.body.errors) && list.body.errors[0].message, JSON.stringify(list.body));
    const update = await call(asMember, 'mailProviders', 'update', { filterByTk: 'google', values: { enabled: false } });
    assert(update.status === 403, `mailProviders:update as member: ${update.status}`);
    const mine = await call(asMember, 'mailAccounts', 'list');
    assert(mine.status === 200 && mine.body.meta.count === 0, `mailAccounts:list as member: ${mine.status} ${JSON.stringify(mine.body)}`);
  });

  await check('no token: 401 EMPTY_TOKEN, the same body NocoBase sends', async () => {
    const theirs = await call(clientFor(`${nocobaseUrl}/api/`), 'auth', 'check');
    const ours = await call(clientFor(sidecar.api), 'mailAccounts', 'list');
    same([ours.status, ours.body], [theirs.status, theirs.body], 'no-token answer');
    assert(ours.body.errors[0].code === 'EMPTY_TOKEN', JSON.stringify(ours.body));
  });

  await check('a token signed with another key: 401 INVALID_TOKEN, as NocoBase answers it', async () => {
    const forged = signed({ ...claimsOf(memberToken) }, crypto.randomBytes(32).toString('hex'));
    const theirs = await call(clientFor(`${nocobaseUrl}/api/`, forged), 'auth', 'check');
    const ours = await call(clientFor(sidecar.api, forged), 'mailAccounts', 'list');
    assert(theirs.status === 401 && theirs.body.errors[0].code === 'INVALID_TOKEN', `NocoBase: ${JSON.stringify(theirs.body)}`);
    same([ours.status, ours.body.errors[0].code], [401, 'INVALID_TOKEN'], 'forged-token answer');
  });

  await check('an expired but renewable token is renewed by NocoBase: served, with X-New-Token', async () => {
    // The member's own session (its jti is in NocoBase's issuedTokens), as it looks a day on.
    const now = Math.floor(Date.now() / 1000);
    const claims = claimsOf(memberToken);
    const expired = signed({ ...claims, iat: now - 86400 - 30, exp: now - 30 }, APP_KEY);
    const reply = await call(clientFor(sidecar.api, expired), 'mailAccounts', 'list');
    assert(reply.status === 200, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    const renewed = reply.headers['x-new-token'];
    assert(renewed && renewed !== expired, 'no X-New-Token header');
    const fresh = claimsOf(renewed);
    assert(fresh.userId === claims.userId && fresh.exp > now && fresh.jti !== claims.jti, JSON.stringify(fresh));
    const next = await call(clientFor(sidecar.api, renewed), 'mailAccounts', 'list');
    assert(next.status === 200, `the renewed token: ${next.status}`);
  });

  await check(`after auth:signOut the token gets 401 BLOCKED_TOKEN within ${CHECK_CACHE_SECS} s (the check cache)`, async () => {
    const before = await call(asRoot, 'mailAccounts', 'list');
    assert(before.status === 200, `before sign-out: ${before.status}`);
    const signOut = await call(nb, 'auth', 'signOut');
    assert(signOut.status === 200, `auth:signOut ${signOut.status}`);
    const theirs = await call(clientFor(`${nocobaseUrl}/api/`, rootToken), 'auth', 'check');
    assert(theirs.status === 401 && theirs.body.errors[0].code === 'BLOCKED_TOKEN', `NocoBase: ${JSON.stringify(theirs.body)}`);
    const deadline = Date.now() + (CHECK_CACHE_SECS + 2) * 1000;
    let ours;
    for (;;) {
      ours = await call(clientFor(sidecar.api, rootToken), 'mailProviders', 'list');
      if (ours.status !== 200 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    same([ours.status, ours.body], [theirs.status, theirs.body], 'answer after sign-out');
  });

  // NocoBase with its default APP_KEY writes a random key to storage/apps/main/jwt_secret.dat.
  await nocobase.stop();
  await services.stop(sidecar.child);
  await nocobase.start('your-secret-key');
  const secretFile = path.join(nocobase.storage, 'apps', 'main', 'jwt_secret.dat');

  await check('NocoBase with a default APP_KEY wrote a 32-byte jwt_secret.dat', async () => {
    assert(fs.existsSync(secretFile), `${secretFile} is missing`);
    assert(fs.statSync(secretFile).size === 32, `${secretFile} has ${fs.statSync(secretFile).size} bytes`);
  });

  const nb2 = new APIClient({ baseURL: `${nocobaseUrl}/api/`, storageType: 'memory' });
  await nb2.auth.signIn(ROOT, 'basic');
  const fileToken = nb2.auth.getToken();

  const local = await services.sidecar(SIDECAR_BIN, 'file-local', {
    // NocoBase's own default: ignored, as NocoBase ignores it; the file is the key.
    EMAIL_MANAGER__NOCOBASE__APP_KEY: 'your-secret-key',
    EMAIL_MANAGER__NOCOBASE__JWT_SECRET_FILE: secretFile,
  });
  await check('the sidecar (local check only) verifies tokens with jwt_secret.dat\'s raw bytes', async () => {
    const reply = await call(clientFor(local.api, fileToken), 'mailAccounts', 'list');
    assert(reply.status === 200, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    const old = await call(clientFor(local.api, memberToken), 'mailAccounts', 'list');
    same([old.status, old.body.errors?.[0]?.code], [401, 'INVALID_TOKEN'], 'a token signed with the old APP_KEY');
  });
  await services.stop(local.child);

  const checked = await services.sidecar(SIDECAR_BIN, 'file-checked', {
    EMAIL_MANAGER__NOCOBASE__URL: nocobaseUrl,
    EMAIL_MANAGER__NOCOBASE__JWT_SECRET_FILE: secretFile,
  });
  await check('with jwt_secret.dat and auth:check, root is an admin again', async () => {
    const reply = await call(clientFor(checked.api, fileToken), 'mailProviders', 'list');
    assert(reply.status === 200, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
    const google = reply.body.data.find((p) => p.name === 'google');
    assert(google && google.redirectUri.endsWith('/api/mailOAuth:callback'), JSON.stringify(google));
  });
  exitCode = 0;
} catch (error) {
  await check('the run completes', () => { throw error; });
} finally {
  await services.stopAll();
  if (failed()) {
    services.printLogs();
  } else {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const code = summary('nocobase');
  process.exit(code || exitCode);
}
