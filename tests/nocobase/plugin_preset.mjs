// The compose file's way of installing the plugin, without Docker: docker/install-plugin.sh
// (what the one-shot `nocobase-plugin` service runs) puts the tarball into a fresh
// NocoBase storage folder, and NocoBase installs itself with the environment the compose
// file gives its `nocobase` service. The plugin must then be enabled with no admin step,
// serve its client code, and proxy /api/mail* to the sidecar named by EMAIL_MANAGER_URL.
// Run by .ci/run:
//   NB_APP=… SIDECAR_BIN=… PLUGIN_TGZ=… node tests/nocobase/plugin_preset.mjs
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, check, failed, freePort, summary } from '../harness/checks.mjs';
import { NocoBase, ROOT } from '../harness/nocobase.mjs';
import { Services } from '../harness/services.mjs';

const { NB_APP, SIDECAR_BIN, PLUGIN_TGZ } = process.env;
if (!NB_APP || !SIDECAR_BIN || !PLUGIN_TGZ) {
  console.error('set NB_APP, SIDECAR_BIN and PLUGIN_TGZ');
  process.exit(2);
}
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'plugin-manifest.json'), 'utf8'));
const APP_KEY = crypto.randomBytes(32).toString('hex');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-preset-'));
const services = new Services(work);

/** The `nocobase` service's environment value `name` in docker/docker-compose.yml. */
function composeValue(name) {
  const compose = fs.readFileSync(path.join(repo, 'docker', 'docker-compose.yml'), 'utf8');
  const match = new RegExp(`^\\s+${name}:\\s*"?([^"\\n]+)"?\\s*$`, 'm').exec(compose);
  if (!match) throw new Error(`docker-compose.yml sets no ${name}`);
  return match[1].trim();
}

try {
  const nocobase = await NocoBase.create(NB_APP, services, 'preset');
  const sidecarPort = await freePort();
  const preset = composeValue('APPEND_PRESET_BUILT_IN_PLUGINS');

  await check('compose: the preset names the plugin package the tarball holds', () => {
    assert(preset === manifest.name, `APPEND_PRESET_BUILT_IN_PLUGINS is ${preset}, the plugin is ${manifest.name}`);
    assert(/^http:\/\/email-manager:8080$/.test(composeValue('EMAIL_MANAGER_URL')), 'EMAIL_MANAGER_URL is not the sidecar service');
  });

  await check('install-plugin.sh unpacks the tarball into NocoBase\'s storage, twice over', () => {
    for (let run = 0; run < 2; run++) {
      execFileSync('sh', [path.join(repo, 'docker', 'install-plugin.sh')], {
        env: { ...process.env, PLUGIN_TGZ: path.resolve(PLUGIN_TGZ), NOCOBASE_STORAGE: nocobase.storage }, stdio: 'pipe',
      });
    }
    const unpacked = path.join(nocobase.storage, 'plugins', ...manifest.name.split('/'));
    const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
    assert(pkg.name === manifest.name && fs.existsSync(path.join(unpacked, 'dist', 'client', 'index.js')), 'not a plugin folder');
    assert(!fs.existsSync(`${unpacked}.new`), 'a half-done copy is left behind');
  });

  const env = { APPEND_PRESET_BUILT_IN_PLUGINS: preset, EMAIL_MANAGER_URL: `http://127.0.0.1:${sidecarPort}` };
  nocobase.cli(['install'], APP_KEY, env);
  await nocobase.start(APP_KEY, env);
  await services.sidecar(SIDECAR_BIN, 'preset', {
    EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${sidecarPort}`,
    EMAIL_MANAGER__NOCOBASE__URL: nocobase.url,
    EMAIL_MANAGER__NOCOBASE__APP_KEY: APP_KEY,
  });
  const signIn = await fetch(`${nocobase.url}/api/auth:signIn`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'X-Authenticator': 'basic' }, body: JSON.stringify(ROOT),
  });
  const token = (await signIn.json()).data.token;
  const get = (action) => fetch(`${nocobase.url}/api/${action}`, { headers: { authorization: `Bearer ${token}` } });

  await check('first start: NocoBase has enabled "Email manager" without an admin step', async () => {
    const enabled = (await (await get('pm:listEnabled')).json()).data.find((p) => p.packageName === manifest.name);
    assert(enabled && enabled.url, `not enabled: ${JSON.stringify(enabled)}`);
    const client = await fetch(`${nocobase.url}${enabled.url}`);
    assert(client.status === 200 && (await client.text()).includes(manifest.name), `the client code: ${client.status}`);
  });

  await check('first start: /api/mail* reaches the sidecar through the plugin', async () => {
    const response = await get('mailProviders:list');
    const body = await response.json();
    assert(response.status === 200 && body.data.length === 3, `${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  });
} catch (error) {
  await check('the run completes', () => { throw error; });
} finally {
  if (failed()) services.printLogs();
  await services.stopAll();
}
summary('preset');
