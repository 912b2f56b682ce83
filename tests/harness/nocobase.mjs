// A real NocoBase (installed by tests/nocobase/install.sh) run by a test on its own storage
// folder and port, and NocoBase's own client, @nocobase/sdk, loaded from that install.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort, waitFor } from './checks.mjs';

export const ROOT = { account: 'admin@nocobase.com', password: 'admin123' };

/** @nocobase/sdk's APIClient. The 2.2 SDK requires `@nocobase/utils/client` for one
 * function, getAuthCookieName, and that entry pulls in browser-only packages (antd) a
 * server install lacks: it gets NocoBase's own module holding the function instead. */
export function loadSdk(app) {
  const nbRequire = createRequire(path.join(app, 'package.json'));
  const utilsClient = nbRequire.resolve('@nocobase/utils/client');
  const cookieName = nbRequire('@nocobase/utils/lib/auth-cookie-name.js');
  nbRequire.cache[utilsClient] = { id: utilsClient, filename: utilsClient, loaded: true, exports: cookieName };
  return nbRequire('@nocobase/sdk');
}

export class NocoBase {
  /** `app`: the installed app folder; `services`: a Services that owns the process. */
  static async create(app, services, label) {
    const nb = new NocoBase();
    nb.app = app;
    nb.services = services;
    nb.label = label;
    nb.storage = path.join(services.work, `${label}-storage`);
    nb.port = await freePort();
    nb.url = `http://127.0.0.1:${nb.port}`;
    nb.child = null;
    return nb;
  }

  env(appKey, extra = {}) {
    return {
      ...process.env,
      // NocoBase's CLI calls `yarn`: the one install.sh installed beside the app.
      PATH: [path.join(this.app, '..', 'yarn-local', 'node_modules', '.bin'), path.join(this.app, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter),
      APP_ENV: 'production',
      APP_PORT: String(this.port),
      APP_KEY: appKey,
      STORAGE_PATH: this.storage,
      DB_DIALECT: 'sqlite',
      DB_STORAGE: path.join(this.storage, 'db', 'nocobase.sqlite'),
      INIT_ROOT_EMAIL: ROOT.account,
      INIT_ROOT_PASSWORD: ROOT.password,
      LOGGER_BASE_PATH: path.join(this.storage, 'logs'),
      ...extra,
    };
  }

  /** Runs a NocoBase CLI command (install, pm add, ...) to completion. */
  cli(args, appKey, extra) {
    const run = spawnSync(path.join(this.app, 'node_modules', '.bin', 'nocobase-v1'), args, {
      cwd: this.app, env: this.env(appKey, extra), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    fs.writeFileSync(path.join(this.services.work, `${this.label}-${args.join('-').replace(/[^a-z0-9-]/gi, '_').slice(0, 40)}.log`), output);
    if (run.status !== 0) throw new Error(`nocobase ${args.join(' ')} failed:\n${output.slice(-3000)}`);
    return output;
  }

  /** Starts the server; `logName` names its log (a restart keeps the first one). */
  async start(appKey, extra, logName = `${this.label}-server`) {
    const started = Date.now();
    this.child = this.services.spawn(logName, path.join(this.app, 'node_modules', '.bin', 'nocobase-v1'),
      ['start', '--launch-mode', 'node'], { cwd: this.app, env: this.env(appKey, extra) });
    await waitFor(`${this.url}/api/app:getInfo`, 180000);
    console.log(`# NocoBase (${this.label}) answered after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  async stop() {
    await this.services.stop(this.child);
    this.child = null;
  }
}

/** fetch against NocoBase's origin (`nb.url`) with a token: what the plugin's pages do.
 * JSON answers come parsed, others as bytes. */
export async function through(nb, action, token, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${nb.url}/api/${action}`, { ...init, headers, redirect: 'manual' });
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}
