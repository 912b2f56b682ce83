// "Download all": the archive the browser makes must open in a real archiver (Python's
// zipfile reads and checks every CRC), with every file whole and named as it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { crc32, uniqueNames, zip } from '../src/client/mail/zip.mjs';

test('crc32 is the ZIP one', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('names: no folders or characters a file system refuses, and no two alike', () => {
  assert.deepEqual(uniqueNames(['report.pdf', 'Report.pdf', 'report.pdf', '../../etc/passwd', '', 'a:b?.txt', 'notes']),
    ['report.pdf', 'Report (2).pdf', 'report (3).pdf', '.._.._etc_passwd', 'attachment', 'a_b_.txt', 'notes']);
});

test('the archive opens in Python\'s zipfile with every file whole', () => {
  const binary = new Uint8Array(70000).map((_, i) => (i * 31 + 7) % 256);
  const files = [
    { name: 'Angebot Müller – März.pdf', bytes: binary },
    { name: '报价单.txt', bytes: new TextEncoder().encode('数量: 3\n') },
    { name: 'empty.bin', bytes: new Uint8Array(0) },
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zip-test-'));
  const file = path.join(dir, 'all.zip');
  fs.writeFileSync(file, zip(files, new Date(2026, 11, 5, 10, 30, 0)));
  const check = spawnSync('python3', ['-c', `
import sys, zipfile, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
print(json.dumps([[i.filename, i.file_size, hashlib.sha256(z.read(i)).hexdigest(), list(i.date_time)] for i in z.infolist()]))
`, file], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  const listed = JSON.parse(check.stdout);
  const sha = (bytes) => spawnSync('python3', ['-c', 'import sys,hashlib;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'], { input: bytes, encoding: 'utf8' }).stdout.trim();
  assert.deepEqual(listed.map(([name, size]) => [name, size]), files.map((f) => [f.name, f.bytes.length]));
  assert.deepEqual(listed.map(([, , digest]) => digest), files.map((f) => sha(Buffer.from(f.bytes))));
  assert.deepEqual(listed[0][3], [2026, 12, 5, 10, 30, 0]);
  fs.rmSync(dir, { recursive: true });
});
