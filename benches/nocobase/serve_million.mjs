// NocoBase serving the same messages as the API latency benchmark, for the comparison of
// `benches/api_latency.rs --nocobase`. Run by that benchmark, not by hand:
//
//   NB_APP=<installed NocoBase app> SOURCE_DB=<the benchmark's SQLite file> node benches/nocobase/serve_million.mjs
//
// A fresh NocoBase (its own storage, SQLite) gets two collections made through its API, as
// an admin makes them in the collection manager: `benchMessages` (one row per message, its
// folder as a plain number field) with a one-to-many `participants` field to
// `benchParticipants` (role, address, domain). The rows are then copied from the
// benchmark's database into NocoBase's tables in one transaction (the API would take hours
// for a million rows), with the same ids, so `filterByTk=2` is the same message on both.
//
// Talks over stdin/stdout, one JSON object per line:
//   out {"ready":…, "url", "token", "loadSecs"}  serving, collections as NocoBase made them
//   in  "index"                                   add the indexes an admin can add
//   out {"indexed":…, "indexes":[…]}              serving again, with those indexes
//   in  end of input                              stop NocoBase, delete its storage
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { NocoBase, ROOT } from '../../tests/harness/nocobase.mjs';
import { Services } from '../../tests/harness/services.mjs';

const { NB_APP, SOURCE_DB } = process.env;
if (!NB_APP || !SOURCE_DB) {
  console.error('set NB_APP (an installed NocoBase app folder) and SOURCE_DB (a SQLite file)');
  process.exit(2);
}
// Progress goes to stderr; stdout carries only the protocol lines (the harness's own
// console.log too).
console.log = (...args) => console.error(...args);
const say = (line) => process.stderr.write(`# nocobase: ${line}\n`);
const send = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);

const APP_KEY = 'bench-' + Date.now().toString(16) + Math.random().toString(16).slice(2);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'email-manager-nocobase-bench-'));
const services = new Services(work);

async function api(nb, token, action, values) {
  const response = await fetch(`${nb.url}/api/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Authenticator': 'basic', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(values ?? {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${action}: ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : {};
}

const ui = (title, component, type = 'string') => ({ title, type, 'x-component': component });
const string = (name) => ({ name, type: 'string', interface: 'input', uiSchema: ui(name, 'Input') });
const number = (name) => ({ name, type: 'bigInt', interface: 'integer', uiSchema: ui(name, 'InputNumber', 'number') });
const id = { name: 'id', type: 'bigInt', autoIncrement: true, primaryKey: true, allowNull: false, interface: 'integer', uiSchema: ui('ID', 'InputNumber', 'number') };

/** The two collections, through NocoBase's collection API. */
async function createCollections(nb, token) {
  await api(nb, token, 'collections:create', {
    name: 'benchMessages', title: 'Bench messages', autoGenId: false, createdAt: true, updatedAt: true,
    fields: [
      id, number('accountId'), number('folderId'), string('subject'), string('snippet'),
      string('fromName'), string('fromAddress'),
      { name: 'receivedAt', type: 'date', interface: 'datetime', uiSchema: ui('receivedAt', 'DatePicker') },
      { name: 'isRead', type: 'boolean', interface: 'checkbox', uiSchema: ui('isRead', 'Checkbox', 'boolean') },
      number('size'),
      { name: 'bodyText', type: 'text', interface: 'textarea', uiSchema: ui('bodyText', 'Input.TextArea') },
    ],
  });
  await api(nb, token, 'collections:create', {
    name: 'benchParticipants', title: 'Bench participants', autoGenId: false, createdAt: false, updatedAt: false,
    fields: [id, number('messageId'), string('role'), string('address'), string('domain')],
  });
  await api(nb, token, 'collections/benchMessages/fields:create', {
    name: 'participants', type: 'hasMany', interface: 'o2m', target: 'benchParticipants',
    foreignKey: 'messageId', sourceKey: 'id', targetKey: 'id', uiSchema: ui('participants', 'AssociationField', 'array'),
  });
}

/** Copies the benchmark's rows into NocoBase's tables with NocoBase's own sqlite3 module. */
async function copyRows(nb) {
  const sqlite3 = createRequire(path.join(NB_APP, 'package.json'))('sqlite3');
  const db = new sqlite3.Database(path.join(nb.storage, 'db', 'nocobase.sqlite'));
  const run = (sql) => new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
  const all = (sql) => new Promise((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows))));
  // The columns NocoBase made: camelCase unless DB_UNDERSCORED, which this install leaves off.
  const columns = (await all('PRAGMA table_info("benchMessages")')).map((c) => c.name);
  for (const wanted of ['id', 'accountId', 'folderId', 'receivedAt', 'isRead', 'createdAt']) {
    if (!columns.includes(wanted)) throw new Error(`benchMessages has no column ${wanted}: ${columns.join(', ')}`);
  }
  // Dates as Sequelize writes them on SQLite, so NocoBase's sort and output treat them as its own.
  await run(`ATTACH DATABASE '${SOURCE_DB.replace(/'/g, "''")}' AS src;
    BEGIN;
    INSERT INTO "benchMessages" (id, "accountId", "folderId", subject, snippet, "fromName", "fromAddress",
      "receivedAt", "isRead", size, "bodyText", "createdAt", "updatedAt")
      SELECT m.id, m.account_id, l.folder_id, m.subject, m.snippet, m.from_name, m.from_address,
        strftime('%Y-%m-%d %H:%M:%S.000 +00:00', m.received_at), m.is_read, m.size, m.body_text,
        '2026-01-01 00:00:00.000 +00:00', '2026-01-01 00:00:00.000 +00:00'
      FROM src.mail_messages m JOIN src.mail_message_folders l ON l.message_id = m.id;
    INSERT INTO "benchParticipants" (id, "messageId", role, address, domain)
      SELECT id, message_id, role, address, domain FROM src.mail_participants;
    COMMIT;
    DETACH DATABASE src;
    ANALYZE;`);
  const [{ n }] = await all('SELECT count(*) AS n FROM "benchMessages"');
  await new Promise((resolve) => db.close(resolve));
  return n;
}

/** The indexes an admin can add. NocoBase 2.2's field settings show an "Index" group with
 * only "Primary" and "Unique", which these fields cannot take (their values repeat); its
 * field API also takes `index: true`, which its ORM turns into a plain one-column index.
 * That is the most an admin gets without SQL: one index per field, never a composite
 * key. Returns the indexes as SQLite then holds them, so a flag NocoBase ignored shows. */
async function addIndexes(nb, token) {
  const fields = [['benchMessages', 'folderId'], ['benchMessages', 'receivedAt'], ['benchParticipants', 'domain'], ['benchParticipants', 'messageId']];
  for (const [collection, field] of fields) {
    await api(nb, token, `collections/${collection}/fields:update?filterByTk=${field}`, { index: true });
  }
  const sqlite3 = createRequire(path.join(NB_APP, 'package.json'))('sqlite3');
  const db = new sqlite3.Database(path.join(nb.storage, 'db', 'nocobase.sqlite'));
  const rows = await new Promise((resolve, reject) => db.all(
    `SELECT tbl_name AS t, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('benchMessages', 'benchParticipants')`,
    (error, found) => (error ? reject(error) : resolve(found)),
  ));
  await new Promise((resolve) => db.close(resolve));
  return rows.map((r) => r.sql.replace(/^CREATE (UNIQUE )?INDEX /i, '').replace(/\s+/g, ' '));
}

let exitCode = 1;
try {
  const nb = await NocoBase.create(NB_APP, services, 'nocobase-bench');
  say(`installing a fresh NocoBase in ${work}`);
  nb.cli(['install'], APP_KEY);
  await nb.start(APP_KEY);
  const signIn = await api(nb, null, 'auth:signIn', { account: ROOT.account, password: ROOT.password });
  const token = signIn.data.token;
  await createCollections(nb, token);
  const started = Date.now();
  const rows = await copyRows(nb);
  const loadSecs = (Date.now() - started) / 1000;
  say(`${rows} messages copied in ${loadSecs.toFixed(1)} s`);
  send({ ready: true, url: nb.url, token, rows, loadSecs });
  const input = readline.createInterface({ input: process.stdin });
  for await (const line of input) {
    if (line.trim() === 'index') {
      const indexes = await addIndexes(nb, token);
      send({ indexed: true, indexes });
    }
  }
  exitCode = 0;
} catch (error) {
  console.error(error && error.stack ? error.stack : error);
  services.printLogs();
} finally {
  await services.stopAll();
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(exitCode);
}
