// Builds the plugin as NocoBase 2.x loads it, without NocoBase's unpublished build tool:
//   dist/server/index.js   CommonJS, @nocobase/* left to the app's node_modules
//   dist/client/index.js   one AMD/UMD module named after the package, whose dependencies
//                          are the modules NocoBase's page provides to plugins
//   dist/locale/*.json, dist/externalVersion.js, dist/index.js
// then packs the tarball NocoBase's plugin manager installs (`--no-pack` skips that).
//
//   node scripts/build.mjs [--no-pack] [--out DIR]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(root, 'dist-tar');
const dist = path.join(root, 'dist');

// What NocoBase's classic client hands to plugins through requirejs (see
// ../shared/reference/nocobase-plugin.md); everything else is bundled.
const PROVIDED = [
  'react', 'react-dom', 'react/jsx-runtime', 'react-router', 'react-router-dom', 'antd', 'antd-style',
  '@ant-design/icons', '@ant-design/cssinjs', 'i18next', 'react-i18next', '@formily/antd-v5', '@formily/core',
  '@formily/react', '@formily/shared', '@formily/json-schema', '@formily/reactive', '@formily/path',
  '@formily/validator', '@formily/reactive-react', '@nocobase/utils', '@nocobase/utils/client', '@nocobase/client',
  '@nocobase/evaluators', '@nocobase/evaluators/client', '@nocobase/sdk', '@nocobase/flow-engine', '@dnd-kit/core',
  '@dnd-kit/sortable', 'axios', 'dayjs', 'lodash', 'ahooks', '@emotion/css', 'file-saver',
];
// The versions NocoBase 2.2.15 ships, for the plugin manager's compatibility check.
const EXTERNAL_VERSIONS = { react: '18.2.0', antd: '5.24.2', '@nocobase/client': '2.2.15', '@nocobase/server': '2.2.15' };

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'server'), { recursive: true });
fs.mkdirSync(path.join(dist, 'client'), { recursive: true });

await build({
  entryPoints: [path.join(root, 'src/server/index.js')],
  outfile: path.join(dist, 'server/index.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  packages: 'external',
  logLevel: 'warning',
});

const client = await build({
  entryPoints: [path.join(root, 'src/client/index.jsx')],
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'browser',
  target: 'es2019',
  jsx: 'automatic',
  minify: true,
  external: PROVIDED,
  metafile: true,
  logLevel: 'warning',
});
const imported = new Set();
for (const input of Object.values(client.metafile.inputs)) {
  for (const dependency of input.imports) {
    // `<runtime>`: esbuild's own helpers (class fields lowered to es2019), put inline.
    if (dependency.external && dependency.path !== '<runtime>') imported.add(dependency.path);
  }
}
const unknown = [...imported].filter((name) => !PROVIDED.includes(name));
if (unknown.length) throw new Error(`the client imports modules NocoBase does not provide: ${unknown.join(', ')}`);
const deps = [...imported].sort();
const code = client.outputFiles[0].text;
// A UMD shell: requirejs on NocoBase's page takes the AMD branch, Node (tests) the CommonJS one.
const umd = `(function (root, factory) {
  if (typeof define === 'function' && define.amd) {
    define(${JSON.stringify(pkg.name)}, ${JSON.stringify(deps)}, function () {
      var provided = {};
      var values = arguments;
      ${JSON.stringify(deps)}.forEach(function (name, index) { provided[name] = values[index]; });
      return factory(function (name) { return provided[name]; });
    });
  } else if (typeof module === 'object' && module.exports) {
    module.exports = factory(require);
  }
})(this, function (require) {
  var module = { exports: {} };
  var exports = module.exports;
${code}
  return module.exports;
});
`;
fs.writeFileSync(path.join(dist, 'client/index.js'), umd);

fs.cpSync(path.join(root, 'src/locale'), path.join(dist, 'locale'), { recursive: true });
fs.writeFileSync(path.join(dist, 'externalVersion.js'), `module.exports = ${JSON.stringify(EXTERNAL_VERSIONS, null, 2)};\n`);
fs.writeFileSync(path.join(dist, 'index.js'), "module.exports = require('./server');\n");
console.log(`built ${pkg.name}@${pkg.version}: server ${fs.statSync(path.join(dist, 'server/index.js')).size} B, client ${Buffer.byteLength(umd)} B (uses ${deps.join(', ')})`);

if (!args.includes('--no-pack')) {
  fs.mkdirSync(out, { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  console.log(`packed ${path.join(out, name)}`);
}
