// The sidecar's IMAP initial sync (#26) against its peers, on the same Dovecot mailbox:
// `mbsync` (Debian's isync, C, downloads every message into a Maildir and does nothing
// else: the practical limit) and a script with `imapflow` (the IMAP library EmailEngine is
// built on) fetching flags, envelope, structure and the whole message of each. Each runs
// under /usr/bin/time -v for its wall time and peak RSS. The sidecar (a release build,
// SQLite) is timed from `mailAccounts:connect` to the account's first sync finished with
// every message stored (parsed, indexed for search, threaded); its peak RSS is the
// process's VmHWM, start-up included.
//
//   cargo build --release && (cd benches/imap && npm ci) &&
//     SIDECAR_BIN=target/release/email-manager node benches/imap/peers.mjs [--messages 10000,50000]
//
// The mailbox: a Dovecot (Debian's dovecot-imapd, run here in a temporary directory on a
// loopback port, implicit TLS with a CA made for the run) holding N generated messages in
// its INBOX: threads of 1–6, text bodies of 1–8 KB, one in ten with a 40 KB attachment,
// 30% unread. Dovecot's index is built before any client runs, so no client pays for it.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const SIZES = arg('messages', '10000,50000').split(',').map(Number);
const USER = 'bench@example.test';
const PASSWORD = 'bench-password';

function run(cmd, args, opts = {}) {
  const out = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${out.stderr || out.stdout}`);
  return out.stdout;
}

const freePort = () => new Promise((resolve) => {
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)); });
});

// A deterministic generator, so every run fills the same mailbox.
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

function fill(maildir, count) {
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(maildir, sub), { recursive: true });
  const random = rng(count);
  const words = 'quote invoice order meeting delivery contract price update report schedule payment offer'.split(' ');
  const attachment = Buffer.alloc(40 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  let root = null;
  let left = 0;
  const start = Date.UTC(2020, 0, 1);
  for (let i = 0; i < count; i += 1) {
    if (left === 0) { root = i; left = 1 + Math.floor(random() * 6); }
    left -= 1;
    const date = new Date(start + i * 1000 * 60 * 37);
    const subject = `${root === i ? '' : 'Re: '}${words[root % words.length]} ${root}`;
    const from = `person${Math.floor(random() * 5000)}@domain${Math.floor(random() * 500)}.example`;
    const id = `<m${i}@bench.example>`;
    const refs = root === i ? '' : `In-Reply-To: <m${root}@bench.example>\r\nReferences: <m${root}@bench.example>\r\n`;
    const text = Array.from({ length: 20 + Math.floor(random() * 140) }, () => words[Math.floor(random() * words.length)]).join(' ');
    const body = i % 10 === 0
      ? `Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="doc${i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b--\r\n`
      : `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`;
    const raw = `From: ${from}\r\nTo: ${USER}\r\nSubject: ${subject}\r\nDate: ${date.toUTCString()}\r\nMessage-ID: ${id}\r\n${refs}MIME-Version: 1.0\r\n${body}`;
    const seen = random() >= 0.3;
    const name = `${Math.floor(date.getTime() / 1000)}.M${i}P1.bench,S=${Buffer.byteLength(raw)}:2,${seen ? 'S' : ''}`;
    fs.writeFileSync(path.join(maildir, 'cur', name), raw);
  }
}

async function dovecot(dir) {
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Bench CA'], { cwd: dir });
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=localhost'], { cwd: dir });
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'san.cnf'], { cwd: dir });
  const [uid, gid] = ['-u', '-g'].map((flag) => run('id', [flag, 'dovecot']).trim());
  for (const sub of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}::::::\n`);
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'dovecot.conf'), `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  chroot =
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = ${port}
    ssl = yes
  }
}
service anvil {
  chroot =
}
`);
  const child = spawn('/usr/sbin/dovecot', ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 200; i += 1) {
    const up = await new Promise((resolve) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); }); s.on('error', () => resolve(false)); });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => { spawnSync('/usr/sbin/dovecot', ['-c', path.join(dir, 'dovecot.conf'), 'stop']); child.kill(); } };
}

/** Wall seconds and peak RSS (MiB) of a command, from GNU time. */
function timed(cmd, args, env = {}) {
  const out = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`${cmd}: ${out.stderr.slice(-2000)}`);
  const wall = out.stderr.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/);
  const rss = Number(out.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)[1]);
  const seconds = Number(wall[1] || 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, rssMiB: rss / 1024, stdout: out.stdout };
}

/** A stand-in SMTP submission server that takes any login: the connect signs in to both
 * servers; nothing is sent in the benchmark. */
function smtpStandIn(dir) {
  const server = tls.createServer({ cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')) }, (socket) => {
    socket.write('220 localhost ESMTP stand-in\r\n');
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      let end;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end).toUpperCase();
        buffered = buffered.slice(end + 2);
        if (line.startsWith('EHLO')) socket.write('250-localhost\r\n250 AUTH PLAIN LOGIN\r\n');
        else if (line.startsWith('AUTH')) socket.write('235 2.7.0 Authentication successful\r\n');
        else if (line.startsWith('QUIT')) { socket.end('221 2.0.0 Bye\r\n'); return; }
        else socket.write('250 2.0.0 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, stop: () => server.close() })));
}

const signed = (claims, key) => {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${crypto.createHmac('sha256', key).update(body).digest('base64url')}`;
};

/** The sidecar's first sync of the mailbox: wall seconds and peak RSS. */
async function sidecar(dir, imapPort, count) {
  const binary = process.env.SIDECAR_BIN || path.join(here, '../../target/release/email-manager');
  const appKey = 'bench-app-key-0123456789abcdef0123456789abcdef';
  const port = await freePort();
  const smtp = await smtpStandIn(dir);
  const child = spawn(binary, [], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      EMAIL_MANAGER__SERVER__BIND: `127.0.0.1:${port}`,
      EMAIL_MANAGER__DATABASE__URL: `sqlite://${dir}/sidecar.sqlite3`,
      EMAIL_MANAGER__NOCOBASE__APP_KEY: appKey,
      EMAIL_MANAGER__SECURITY__ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      EMAIL_MANAGER__IMAP__CA_FILE: path.join(dir, 'ca.pem'),
      EMAIL_MANAGER__PUSH__ENABLED: 'false',
      EMAIL_MANAGER__LOG__LEVEL: 'warn',
    },
  });
  const base = `http://127.0.0.1:${port}/api`;
  const now = () => Math.floor(Date.now() / 1000);
  const admin = signed({ userId: 1, roleName: 'admin', iat: now(), exp: now() + 86400 }, appKey);
  const user = signed({ userId: 2, roleName: 'member', iat: now(), exp: now() + 86400 }, appKey);
  const call = async (action, token, values, query = '') => {
    const response = await fetch(`${base}/${action}${query}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(values || {}),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`${action}: ${response.status} ${JSON.stringify(body)}`);
    return body.data;
  };
  try {
    for (let i = 0; ; i += 1) {
      const up = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 600) throw new Error('the sidecar did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await call('mailProviders:update', admin, { enabled: true, allowPrivateNetworks: true }, '?filterByTk=imap');
    const started = process.hrtime.bigint();
    const account = await call('mailAccounts:connect', user, {
      provider: 'imap', email: USER, password: PASSWORD,
      imap: { host: 'localhost', port: imapPort, tls: 'implicit' },
      smtp: { host: 'localhost', port: smtp.port, tls: 'implicit' },
    });
    let seconds;
    // Peak anonymous memory, sampled: VmHWM also counts the pages of the memory-mapped
    // SQLite file the process read (file-backed, reclaimable).
    let anonKiB = 0;
    const anon = () => {
      const text = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      anonKiB = Math.max(anonKiB, Number(text.match(/RssAnon:\s+(\d+) kB/)[1]));
    };
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      anon();
      const row = await call('mailAccounts:get', user, {}, `?filterByTk=${account.id}`);
      if (row.lastError) throw new Error(`the sync failed: ${JSON.stringify(row.lastError)}`);
      if (row.lastSyncAt && row.messageCount === count) {
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        break;
      }
    }
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssMiB = Number(status.match(/VmHWM:\s+(\d+) kB/)[1]) / 1024;
    return { seconds, rssMiB, anonMiB: anonKiB / 1024 };
  } finally {
    child.kill('SIGTERM');
    smtp.stop();
  }
}

const rows = [];
for (const count of SIZES) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imap-peers-'));
  fill(path.join(dir, 'home', USER, 'Maildir'), count);
  run('chown', ['-R', 'dovecot:dovecot', path.join(dir, 'home')]);
  const server = await dovecot(dir);
  try {
    // Dovecot builds its index on first access; do it before any client is timed.
    run('doveadm', ['-c', path.join(dir, 'dovecot.conf'), 'index', '-u', USER, 'INBOX']);

    const local = path.join(dir, 'mbsync-local');
    fs.mkdirSync(local);
    // FSync off: mbsync's default syncs each file to disk, which measures the disk; the
    // sidecar's durability is its database's, one commit per page.
    fs.writeFileSync(path.join(dir, 'mbsyncrc'), `FSync no

IMAPAccount bench
Host localhost
Port ${server.port}
User ${USER}
Pass ${PASSWORD}
SSLType IMAPS
CertificateFile ${dir}/ca.pem

IMAPStore remote
Account bench

MaildirStore local
Path ${local}/
Inbox ${local}/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
`);
    const mbsync = timed('mbsync', ['-q', '-c', path.join(dir, 'mbsyncrc'), 'bench']);
    const got = fs.readdirSync(path.join(local, 'INBOX', 'cur')).length + fs.readdirSync(path.join(local, 'INBOX', 'new')).length;
    if (got !== count) throw new Error(`mbsync stored ${got} of ${count}`);
    rows.push({ count, peer: 'mbsync (isync 1.4, C)', ...mbsync });

    const flow = timed(process.execPath, [path.join(here, 'imapflow_fetch.mjs')], {
      IMAP_PORT: String(server.port), IMAP_USER: USER, IMAP_PASS: PASSWORD, IMAP_CA: path.join(dir, 'ca.pem'),
    });
    const fetched = Number(flow.stdout.trim().split('\n').pop());
    if (fetched !== count) throw new Error(`imapflow fetched ${fetched} of ${count}`);
    rows.push({ count, peer: 'imapflow script (Node 20)', ...flow });

    rows.push({ count, peer: 'email-manager sidecar (SQLite, parsed + indexed)', ...(await sidecar(dir, server.port, count)) });
  } finally {
    server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log('| messages | peer | wall time | peak RSS | peak anon |');
console.log('|---:|---|---:|---:|---:|');
for (const r of rows) {
  const anon = r.anonMiB === undefined ? '—' : `${r.anonMiB.toFixed(0)} MiB`;
  console.log(`| ${r.count.toLocaleString('en-US')} | ${r.peer} | ${r.seconds.toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${anon} |`);
}
