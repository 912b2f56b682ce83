#!/usr/bin/env bash
# Installs NocoBase (default 2.2.15) from the npm registry alone, with SQLite, into $NB_ROOT
# (default: a cache folder outside the clone, so a rerun finds it installed and takes
# seconds). Only the code is installed here; each test makes its own storage and database.
#
# Three things stand between npm and a working NocoBase offline (see
# ../shared/reference/nocobase.md §11): a transitive dependency pinned to a CDN tarball of
# xlsx (pinned back to the npm release), a CLI dependency that declares a newer Node than
# it needs at install time (--ignore-engines), and sqlite3, which is not a template
# dependency and whose prebuilt binary comes from GitHub (built here against the local
# Node headers instead).
set -euo pipefail
NB_ROOT=${NB_ROOT:-${HOME:-/root}/.cache/email-manager-ci/nocobase}
NB_VERSION=${NB_VERSION:-2.2.15}
export YARN_CACHE_FOLDER=${YARN_CACHE_FOLDER:-$NB_ROOT/yarn-cache}
export npm_config_nodedir=${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
mkdir -p "$NB_ROOT"
cd "$NB_ROOT"
app="app-$NB_VERSION"
if [ -f "$app/.installed" ]; then
  echo "NocoBase $NB_VERSION already installed in $NB_ROOT/$app"
  exit 0
fi
[ -x yarn-local/node_modules/.bin/yarn ] || npm install --silent --no-audit --no-fund --prefix yarn-local yarn@1.22.22 >/dev/null
export PATH="$NB_ROOT/yarn-local/node_modules/.bin:$PATH"
if [ ! -f "$app/package.json" ]; then
  rm -rf "$app"
  # The scaffold writes a .env; the tests override what matters through the environment.
  npx -y "create-nocobase-app@$NB_VERSION" "$app" -d sqlite --skip-dev-dependencies \
    -e APP_ENV=production -e APP_PORT=13000 >/dev/null
  node -e 'const fs=require("fs");const f=process.argv[1];const p=JSON.parse(fs.readFileSync(f));
    p.resolutions=Object.assign(p.resolutions||{},{xlsx:"0.18.5"});p.dependencies.sqlite3="5.1.7";
    fs.writeFileSync(f,JSON.stringify(p,null,2));' "$app/package.json"
fi
cd "$app"
echo "installing NocoBase $NB_VERSION (a cold install takes about 4 minutes; log: $NB_ROOT/yarn-install.log)"
if ! yarn install --ignore-engines --network-timeout 600000 > "$NB_ROOT/yarn-install.log" 2>&1; then
  tail -n 30 "$NB_ROOT/yarn-install.log" >&2
  echo "FAIL: yarn install of NocoBase $NB_VERSION" >&2
  exit 1
fi
[ -f node_modules/sqlite3/build/Release/node_sqlite3.node ] || { echo "FAIL: sqlite3 was not built" >&2; exit 1; }
touch .installed
echo "NocoBase $NB_VERSION installed in $NB_ROOT/$app"
