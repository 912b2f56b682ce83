// Starting the processes a Node test drives (the sidecar, the provider emulator), keeping
// their logs, and stopping them all at the end, whatever happened.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitFor } from './checks.mjs';

export class Services {
  constructor(work) {
    this.work = work;
    this.children = new Set();
    this.logs = [];
  }

  /** Spawns `command` in its own process group with its output in `<work>/<label>.log`. */
  spawn(label, command, args, options = {}) {
    const log = path.join(this.work, `${label}.log`);
    this.logs.push(log);
    const out = fs.openSync(log, 'w');
    const child = spawn(command, args, { ...options, stdio: ['ignore', out, out], detached: true });
    this.children.add(child);
    return child;
  }

  /** SIGKILL, as a crash or the OOM killer ends a process; resolves once it is gone. */
  kill(child) {
    this.children.delete(child);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', resolve);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    });
  }

  stop(child) {
    this.children.delete(child);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', resolve);
      try { process.kill(-child.pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10000).unref();
    });
  }

  stopAll() {
    return Promise.all([...this.children].map((child) => this.stop(child)));
  }

  printLogs(limit = 3000) {
    for (const log of this.logs) {
      if (fs.existsSync(log)) console.log(`--- ${log} (last ${limit} characters)\n${fs.readFileSync(log, 'utf8').slice(-limit)}`);
    }
  }

  /** The sidecar on its own SQLite folder; `env` adds or overrides settings (a bind
   * address in it chooses the port). */
  async sidecar(bin, label, env = {}) {
    const bound = /:(\d+)$/.exec(env.EMAIL_MANAGER__SERVER__BIND || '');
    const port = bound ? Number(bound[1]) : await freePort();
    const url = `http://127.0.0.1:${port}`;
    const data = fs.mkdtempSync(path.join(this.work, `sidecar-${label}-`));
    const child = this.spawn(`sidecar-${label}`, bin, ['serve'], {
      env: {
        PATH: process.env.PATH,
        EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${port}`,
        EMAIL_MANAGER__SERVER__PUBLIC_URL: url,
        EMAIL_MANAGER__DATABASE__URL: `sqlite://${data}/mail.sqlite3`,
        EMAIL_MANAGER__SYNC__ENABLED: 'false',
        EMAIL_MANAGER__LOG__LEVEL: 'info',
        ...env,
        EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${port}`,
      },
    });
    await waitFor(`${url}/readyz`, 30000);
    return { child, url, api: `${url}/api/`, database: env.EMAIL_MANAGER__DATABASE__URL || `sqlite://${data}/mail.sqlite3` };
  }

  /** The provider emulator on a free port. */
  async emulator(bin) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = this.spawn('emulator', bin, ['--listen', `127.0.0.1:${port}`]);
    await waitFor(`${url}/_emulator/users/nobody@test.test/messages`, 20000);
    const control = async (route, body) => {
      const response = await fetch(`${url}/_emulator${route}`, body === undefined ? {} : {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      return response.json();
    };
    return { child, url, control };
  }
}

/** Settings that point the sidecar's providers at the emulator at `emu`. */
export function emulatorEndpoints(emu) {
  return {
    EMAIL_MANAGER__PROVIDERS__GOOGLE__AUTH_URL: `${emu}/google/o/oauth2/v2/auth`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__TOKEN_URL: `${emu}/google/token`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__REVOKE_URL: `${emu}/google/revoke`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__USERINFO_URL: `${emu}/google/v1/userinfo`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__API_BASE_URL: `${emu}/google`,
    EMAIL_MANAGER__PROVIDERS__GOOGLE__JWKS_URL: `${emu}/google/oauth2/v3/certs`,
    EMAIL_MANAGER__PROVIDERS__MICROSOFT__LOGIN_BASE_URL: `${emu}/microsoft`,
    EMAIL_MANAGER__PROVIDERS__MICROSOFT__GRAPH_BASE_URL: `${emu}/microsoft`,
  };
}

/** A JWT signed as NocoBase signs its tokens (HS256). */
export function signed(claims, key) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
}

export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}
