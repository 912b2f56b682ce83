// Every string the client asks to translate has an entry in each language, and no language
// keeps entries nothing asks for: a missing one shows English (or a key) in a Chinese or
// Polish page, a stale one hides that a text changed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

const root = path.join(import.meta.dirname, '..');
const files = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? files(path.join(dir, e.name)) : /\.(jsx?|mjs)$/.test(e.name) ? [path.join(dir, e.name)] : []);
const source = files(path.join(root, 'src/client')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
// t('…'), tval('…') and msg('…') with a literal; keys built at run time are named by their prefix.
const literal = /\b(?:t|tval|msg)\(\s*'((?:[^'\\]|\\.)*)'/g;
const used = new Set([...source.matchAll(literal)].map((m) => m[1].replace(/\\'/g, "'")));
const prefixes = [...source.matchAll(/\bt\(`([a-z]+)\.\$\{/g)].map((m) => `${m[1]}.`);
const dynamic = (key) => prefixes.some((p) => key.startsWith(p));
const languages = fs.readdirSync(path.join(root, 'src/locale')).filter((f) => f.endsWith('.json'));
const load = (file) => JSON.parse(fs.readFileSync(path.join(root, 'src/locale', file), 'utf8'));

test('the client asks for some strings, and some by prefix', () => {
  assert.ok(used.size > 100, `${used.size} strings`);
  assert.ok(prefixes.includes('folder.') && prefixes.includes('status.'), prefixes.join(' '));
});

for (const file of languages) {
  test(`${file}: every string the client uses is there, and nothing else`, () => {
    const strings = load(file);
    const missing = [...used].filter((key) => !(key in strings));
    assert.deepEqual(missing, [], `missing in ${file}`);
    const stale = Object.keys(strings).filter((key) => !used.has(key) && !dynamic(key));
    assert.deepEqual(stale, [], `not used, in ${file}`);
  });
}

test('the languages other than English name the same run-time keys as each other', () => {
  const others = languages.filter((f) => f !== 'en-US.json').map((f) => [f, Object.keys(load(f)).filter(dynamic).sort()]);
  for (const [file, keys] of others) assert.deepEqual(keys, others[0][1], `${file} against ${others[0][0]}`);
});
