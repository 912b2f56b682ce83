#!/usr/bin/env bash
# `docker compose up`, for real: the compose file and Dockerfile exactly as admins run them,
# on a Docker engine, with local stand-ins for the public base images (standins/build.sh).
#
#   bash tests/docker/compose_up.sh
#
# The demo profile: every service healthy; NocoBase through the proxy with the plugin
# enabled; the sidecar accepting the tokens NocoBase issues and refusing others; in
# headless Chromium through the proxy, sign in, connect the demo Gmail and Outlook, read and
# reply (tests/browser/compose_flow.mjs); the sidecar as a non-root user on a read-only
# root filesystem; `restart` and `down` + `up` of every service but the emulator (it plays
# Google and Microsoft, which stay up) keep mailboxes, mail and the encryption key; two sidecar replicas behind the proxy (`--scale`); an image rebuilt with a new
# migration upgrades the data in place. Then the production profile (no emulator, secrets
# of its own) starts healthy with the plugin enabled. `down -v` leaves no container,
# volume or network behind. Prints "ok - ..." per check and a closing
# "compose: N passed, N failed"; exits non-zero on the first failure, after printing the
# containers' logs. Starts the engine if none runs (and stops it again).
# COMPOSE_KEEP=1 leaves a failed run's containers up to look at; ARTIFACTS_DIR keeps the
# browser's screenshots.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
project=email-manager-compose-test
passed=0
work=$(mktemp -d)
artifacts=${ARTIFACTS_DIR:-$work/artifacts}
mkdir -p "$artifacts"
started_engine=0
current_env=""
current_profiles=()

say() { echo "# $*"; }
ok() { passed=$((passed + 1)); echo "ok - $*"; }
compose() { docker compose -p "$project" -f docker/docker-compose.yml --env-file "$current_env" "${current_profiles[@]}" "$@"; }
cleanup() {
  if [ -n "$current_env" ] && [ -z "${COMPOSE_KEEP:-}" ]; then
    compose --profile demo down -v --remove-orphans > /dev/null 2>&1
  fi
  docker image rm -f email-manager:upgrade-probe > /dev/null 2>&1
  [ -n "${alone:-}" ] && docker rm -f "$alone" > /dev/null 2>&1
  docker volume rm "$project-alone" > /dev/null 2>&1
  [ "$started_engine" = 1 ] && bash tests/docker/engine.sh stop
  rm -rf "$work"
}
fail() {
  echo "not ok - $*"
  if [ -n "$current_env" ]; then
    compose ps -a 2>&1 | sed 's/^/#   /'
    for service in email-manager nocobase demo-setup nocobase-plugin proxy postgres emulator; do
      echo "# --- logs of $service (last 30 lines)"
      compose logs --no-color --no-log-prefix --tail 30 "$service" 2>&1 | sed 's/^/#   /'
    done
  fi
  echo "compose: $passed passed, 1 failed"
  cleanup
  exit 1
}
trap 'echo "compose: interrupted"; cleanup; exit 1' INT TERM

# ---- engine and images ------------------------------------------------------------------
timeout 10 docker info > /dev/null 2>&1 || started_engine=1
bash tests/docker/engine.sh start || fail "the Docker engine did not start"
started=$(date +%s)
bash tests/docker/standins/build.sh || fail "building the stand-in base images"
say "stand-ins ready in $(( $(date +%s) - started )) s"
for port in 13000 9900; do
  if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    fail "port $port is taken on this machine: the demo publishes NocoBase on 13000 and the emulator on 9900"
  fi
done

# ---- helpers ----------------------------------------------------------------------------
# JSON of `compose ps -a`, one object per container, as "service state health exitcode".
states() {
  compose ps -a --format json 2> /dev/null | python3 -c '
import json, sys
text = sys.stdin.read().strip()
rows = json.loads(text) if text.startswith("[") else [json.loads(l) for l in text.splitlines() if l.strip()]
for r in rows:
    print(r["Service"], r["State"], r.get("Health") or "-", r.get("ExitCode", 0))'
}
# Waits until every listed service is healthy (when it has a health check) or running,
# and every one-shot service named with a trailing "!" has exited 0.
wait_services() {
  local deadline=$(( $(date +%s) + ${WAIT_SECS:-600} )) pending service name state health code
  while :; do
    pending=""
    local table
    table=$(states)
    for service in "$@"; do
      name=${service%!}
      if [ "$name" != "$service" ]; then
        read -r state code <<< "$(awk -v s="$name" '$1 == s {print $2, $4}' <<< "$table" | head -n 1)"
        [ "$state" = exited ] && [ "$code" != 0 ] && fail "$name exited with $code"
        [ "$state" = exited ] || pending="$pending $name"
      else
        while read -r state health; do
          if [ -z "$state" ] || [ "$state" != running ] || { [ "$health" != - ] && [ "$health" != healthy ]; }; then
            pending="$pending $name"
          fi
        done <<< "$(awk -v s="$name" '$1 == s {print $2, $3}' <<< "$table")"
      fi
    done
    [ -z "$pending" ] && return 0
    [ "$(date +%s)" -gt "$deadline" ] && fail "not healthy in time:$pending"
    sleep 3
  done
}
# An API call through the proxy: sets $status and $body.
api() { # method action token [json]
  local out
  out=$(curl -s -X "$1" -w '\n%{http_code}' "http://127.0.0.1:13000/api/$2" \
    -H "Authorization: Bearer $3" -H 'X-Authenticator: basic' -H 'content-type: application/json' \
    ${4:+--data "$4"})
  status=${out##*$'\n'}
  body=${out%$'\n'*}
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<< "$body"; }
wait_http() { # url status seconds
  local deadline=$(( $(date +%s) + $3 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "$2" ]; do
    [ "$(date +%s)" -gt "$deadline" ] && return 1
    sleep 2
  done
}
sign_in() { # email password -> $token
  local out
  out=$(curl -s -X POST http://127.0.0.1:13000/api/auth:signIn -H 'X-Authenticator: basic' \
    -H 'content-type: application/json' --data "{\"account\":\"$1\",\"password\":\"$2\"}")
  token=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])' <<< "$out" 2> /dev/null) \
    || fail "signing in to NocoBase through the proxy as $1: ${out:0:200}"
}
# What the sidecar holds for the admin: "<mailboxes> <messages> <working mailboxes>".
holdings() {
  api GET 'mailAccounts:list?pageSize=50' "$token"
  [ "$status" = 200 ] || fail "mailAccounts:list through the proxy answered $status"
  local accounts active
  accounts=$(json 'd["meta"]["count"]')
  # Working mailboxes: active, or syncing right now (never needs_reauth or error).
  active=$(json 'sum(1 for a in d["data"] if a["status"] in ("active", "syncing"))')
  api GET 'mailMessages:list?pageSize=1' "$token"
  echo "$accounts $(json 'd["meta"]["count"]') $active"
}
# Every account synced again now (a sync decrypts the stored OAuth tokens with the key).
sync_all() {
  api GET 'mailAccounts:list?pageSize=50' "$token"
  for id in $(json '" ".join(str(a["id"]) for a in d["data"])'); do
    api POST "mailAccounts:sync?filterByTk=$id" "$token" '{}'
    [ "$status" = 200 ] || [ "$status" = 202 ] || fail "mailAccounts:sync of $id answered $status: ${body:0:200}"
  done
}
psql_sidecar() { compose exec -T postgres psql -U postgres -d email_manager -tAc "$1"; }
# After a restart, a recreate or an upgrade: both mailboxes, at least the mail they held,
# and both still working once synced again (a sync opens their stored tokens with the key).
expect_kept() { # what happened
  sign_in admin@nocobase.com admin123
  sync_all
  local now_accounts now_messages now_working
  read -r now_accounts now_messages now_working <<< "$(holdings)"
  [ "$now_accounts" = 2 ] && [ "$now_messages" -ge "$messages" ] && [ "$now_working" = 2 ] \
    || fail "after $1: $now_accounts mailboxes ($now_working working), $now_messages messages (before: 2, $messages)"
  kept=$now_messages
}

# Volumes that were there before: anything else left at the end is ours (the image's
# VOLUME /data gives every container without a /data mount an anonymous volume).
volumes_before=$(docker volume ls -q | sort)
left_behind() {
  docker ps -a -q --filter "label=com.docker.compose.project=$project"
  docker network ls -q --filter "label=com.docker.compose.project=$project"
  comm -13 <(echo "$volumes_before") <(docker volume ls -q | sort)
}

# ---- the demo profile -------------------------------------------------------------------
current_env=docker/demo/demo.env
current_profiles=(--profile demo)
compose down -v --remove-orphans > /dev/null 2>&1
say "docker compose --profile demo up -d --build"
started=$(date +%s)
compose up -d --build --quiet-pull > "$work/up.log" 2>&1 || { cat "$work/up.log"; fail "compose up (demo profile)"; }
wait_services postgres email-manager nocobase proxy emulator 'nocobase-plugin!' 'demo-setup!'
wait_http http://127.0.0.1:13000/api/__health_check 200 300 || fail "NocoBase does not answer through the proxy"
ok "demo profile: every service up and healthy, the one-shot services done, in $(( $(date +%s) - started )) s"

say "the image alone, on its embedded SQLite default"
docker volume create "$project-alone" > /dev/null
alone=$(docker run -d --read-only --tmpfs /tmp -v "$project-alone:/data" email-manager:local) || fail "docker run email-manager:local"
for _ in $(seq 1 60); do
  docker exec "$alone" curl -fsS -o /dev/null http://127.0.0.1:8080/readyz 2> /dev/null && break
  sleep 1
done
docker exec "$alone" curl -fsS -o /dev/null http://127.0.0.1:8080/readyz || fail "the image alone is not ready: $(docker logs --tail 20 "$alone" 2>&1)"
[ "$(docker exec "$alone" sh -c 'stat -c %a $(find /data -name encryption.key)')" = 600 ] || fail "no generated key (0600) on the data volume"
docker exec "$alone" test -s /data/email-manager.sqlite3 || fail "no SQLite database on the data volume"
docker rm -f "$alone" > /dev/null && docker volume rm "$project-alone" > /dev/null
if out=$(docker run --rm -e EMAIL_MANAGER__SERVER__BIND=nonsense email-manager:local 2>&1); then
  fail "the image started with a bad bind address"
fi
grep -q "server.bind" <<< "$out" || fail "a bad setting is refused without naming it: ${out:0:300}"
ok "the image alone: ready on SQLite with a generated key (0600) on its volume, read-only root; a bad setting is named and stops it"

sign_in admin@nocobase.com admin123
api GET 'pm:list' "$token"
enabled=$(json 'any((p.get("packageName") or p.get("name")) == "@email-manager-sidecar/plugin-email-manager" and p.get("enabled") for p in d["data"])')
[ "$enabled" = True ] || fail "the Email manager plugin is not enabled in NocoBase: ${body:0:300}"
ok "NocoBase through the proxy: the admin signs in, the Email manager plugin is enabled"

api GET 'mailProviders:list' "$token"
[ "$status" = 200 ] || fail "mailProviders:list with NocoBase's token: $status ${body:0:200}"
[ "$(json 'sorted(p["name"] for p in d["data"] if p["enabled"])')" = "['google', 'microsoft']" ] \
  || fail "demo-setup did not enable both apps: ${body:0:300}"
forged=$(python3 - "$token" <<'EOF'
import base64, hashlib, hmac, sys
head, claims, _ = sys.argv[1].split(".")
signature = hmac.new(b"not-the-secret", f"{head}.{claims}".encode(), hashlib.sha256).digest()
print(f"{head}.{claims}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode())
EOF
)
api GET 'mailProviders:list' "$forged"
[ "$status" = 401 ] || fail "a token signed with another key answered $status"
# demo.env sets APP_KEY before the first start: NocoBase signs with it and writes no
# jwt_secret.dat (the production run below keeps NocoBase's default key, and the file).
if compose exec -T email-manager test -e /nocobase-storage/apps/main/jwt_secret.dat; then
  fail "NocoBase wrote jwt_secret.dat although APP_KEY is set"
fi
ok "the sidecar accepts NocoBase's tokens (signed with the shared APP_KEY), refuses a forged one"

# The service itself (PID 1, after the entrypoint): its user, and what it may still do.
read -r user caps <<< "$(compose exec -T email-manager sh -c \
  "awk '/^Uid:/ {u = \$2} /^CapEff:/ {c = \$2} END {print u, c}' /proc/1/status" | tr -d '\r')"
[ -n "$user" ] && [ "$user" != 0 ] || fail "the sidecar runs as uid '$user'"
# CAP_DAC_READ_SEARCH (bit 2) alone: reading NocoBase's root-only jwt_secret.dat.
[ "$caps" = 0000000000000004 ] || fail "the sidecar keeps capabilities $caps"
if compose exec -T email-manager sh -c 'touch /usr/local/bin/probe' 2> /dev/null; then
  fail "the sidecar's root filesystem is writable"
fi
compose exec -T --user email-manager email-manager sh -c 'touch /data/probe && rm /data/probe' \
  || fail "the sidecar cannot write its /data volume"
ok "the sidecar runs as uid $user with one capability (reading files) on a read-only root filesystem, writing only its volume"

say "headless Chromium through the proxy"
(cd tests/browser && npm ci --no-audit --no-fund --prefer-offline > /dev/null 2>&1) || fail "npm ci in tests/browser"
BASE_URL=http://localhost:13000 EMULATOR_URL=http://localhost:9900 ARTIFACTS_DIR="$artifacts" \
  node tests/browser/compose_flow.mjs || fail "the browser flow through the proxy"
ok "in Chromium through the proxy: sign in, connect Gmail and Outlook, read, reply"

read -r accounts messages working <<< "$(holdings)"
[ "$accounts" = 2 ] && [ "$messages" -gt 0 ] && [ "$working" = 2 ] || fail "after connecting: $accounts mailboxes ($working working), $messages messages"
key_before=$(compose exec -T email-manager sh -c 'echo "$EMAIL_MANAGER__SECURITY__ENCRYPTION_KEY" | sha256sum')

# The emulator plays Google and Microsoft, which do not restart with this compose and keep
# their grants: it keeps running (its state is in memory) while everything of ours goes.
ours=(postgres nocobase email-manager proxy)
say "docker compose restart (all but the emulator)"
compose restart "${ours[@]}" > /dev/null 2>&1 || fail "compose restart"
wait_services postgres email-manager nocobase proxy emulator
wait_http http://127.0.0.1:13000/api/__health_check 200 300 || fail "NocoBase does not come back after a restart"
expect_kept "restart"
ok "restart keeps both mailboxes and their $kept messages, and their tokens still open (a sync runs)"

say "docker compose down, then up (all but the emulator)"
compose rm -s -f -v "${ours[@]}" nocobase-plugin demo-setup > /dev/null 2>&1 || fail "compose down"
compose up -d > /dev/null 2>&1 || fail "compose up after down"
wait_services postgres email-manager nocobase proxy emulator 'nocobase-plugin!' 'demo-setup!'
wait_http http://127.0.0.1:13000/api/__health_check 200 300 || fail "NocoBase does not come back after down + up"
[ "$(compose exec -T email-manager sh -c 'echo "$EMAIL_MANAGER__SECURITY__ENCRYPTION_KEY" | sha256sum')" = "$key_before" ] \
  || fail "the encryption key changed"
expect_kept "down + up"
ok "down + up (containers removed, volumes kept) keeps mailboxes, mail and the encryption key"

say "two sidecar replicas behind the proxy"
compose up -d --no-recreate --scale email-manager=2 > /dev/null 2>&1 || fail "compose up --scale email-manager=2"
wait_services email-manager
replicas=$(states | awk '$1 == "email-manager" && $2 == "running"' | wc -l)
[ "$replicas" = 2 ] || fail "$replicas sidecar replicas running"
for _ in $(seq 1 40); do
  api GET 'mailMessages:list?pageSize=5' "$token"
  [ "$status" = 200 ] || fail "a request through the proxy to the replicas answered $status"
done
served=0
for index in 1 2; do
  count=$(compose exec -T --index "$index" email-manager sh -c 'curl -s http://127.0.0.1:8080/metrics' \
    | awk '/^email_manager_http_requests_total/ && /mailMessages:list/ {s += $NF} END {print s + 0}')
  [ "$count" -gt 0 ] && served=$((served + 1))
done
[ "$served" = 2 ] || fail "only $served of 2 replicas served requests through the proxy"
ok "two replicas on the compose's PostgreSQL, both serving requests through the proxy"
compose up -d --no-recreate --scale email-manager=1 > /dev/null 2>&1 || fail "scaling back to one replica"

say "an image with a new migration upgrades the data in place"
probe=$work/probe-context
mkdir -p "$probe"
git ls-files -z | grep -zv '^tests/' | xargs -0 cp --parents -t "$probe"
for dialect in postgres sqlite; do
  mkdir -p "$probe/migrations/$dialect/2099-01-01-000001_compose_upgrade_probe"
  echo "CREATE TABLE compose_upgrade_probe (id INTEGER PRIMARY KEY);" > "$probe/migrations/$dialect/2099-01-01-000001_compose_upgrade_probe/up.sql"
  echo "DROP TABLE compose_upgrade_probe;" > "$probe/migrations/$dialect/2099-01-01-000001_compose_upgrade_probe/down.sql"
done
# What an admin does after pulling a release: `docker compose up -d --build`. The new
# source is a copy of this one plus the migration, put in by an override file.
cat > "$work/upgrade.yml" <<EOF
services:
  email-manager:
    build:
      context: $probe
      dockerfile: docker/Dockerfile
    image: email-manager:upgrade-probe
EOF
started=$(date +%s)
compose -f "$work/upgrade.yml" up -d --build email-manager > "$work/probe-build.log" 2>&1 \
  || { tail -n 30 "$work/probe-build.log"; fail "building and starting the image with a new migration"; }
wait_services email-manager
[ "$(psql_sidecar "SELECT to_regclass('compose_upgrade_probe') IS NOT NULL" | tr -d '\r')" = t ] || fail "the new migration did not run"
expect_kept "the upgrade"
ok "rebuilt with a new migration and up again ($(( $(date +%s) - started )) s): migrated in place, mailboxes and mail kept"

say "docker compose down -v"
compose down -v --remove-orphans > /dev/null 2>&1 || fail "compose down -v"
left=$(left_behind)
[ -z "$left" ] || fail "down -v left behind: $left"
ok "down -v leaves no container, volume or network of the demo"

# ---- the production profile -------------------------------------------------------------
say "the production profile, with secrets of its own"
current_env=$work/production.env
current_profiles=()
random() { python3 -c "import secrets; print(secrets.token_hex(24))"; }
# APP_KEY as NocoBase's own compose file ships it: NocoBase then signs with a random
# storage/apps/main/jwt_secret.dat, which the sidecar must read from the shared volume.
cat > "$current_env" <<EOF
APP_KEY=your-secret-key
INIT_ROOT_EMAIL=owner@example.com
INIT_ROOT_PASSWORD=$(random)
POSTGRES_PASSWORD=$(random)
NOCOBASE_DB_PASSWORD=$(random)
EMAIL_MANAGER_DB_PASSWORD=$(random)
EMAIL_MANAGER_ENCRYPTION_KEY=$(python3 -c "import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())")
PUBLIC_URL=http://localhost:13000
HTTP_PORT=13000
TZ=Etc/UTC
EOF
started=$(date +%s)
compose up -d > "$work/up-production.log" 2>&1 || { cat "$work/up-production.log"; fail "compose up (production)"; }
wait_services postgres email-manager nocobase proxy 'nocobase-plugin!'
wait_http http://127.0.0.1:13000/api/__health_check 200 300 || fail "NocoBase (production) does not answer through the proxy"
[ -z "$(states | awk '$1 == "emulator" || $1 == "demo-setup"')" ] || fail "the demo's services run in production"
sign_in owner@example.com "$(sed -n 's/^INIT_ROOT_PASSWORD=//p' "$current_env")"
compose exec -T email-manager test -s /nocobase-storage/apps/main/jwt_secret.dat \
  || fail "NocoBase kept its default APP_KEY but wrote no jwt_secret.dat"
api GET 'mailProviders:list' "$token"
[ "$status" = 200 ] && [ "$(json 'any(p["enabled"] for p in d["data"])')" = False ] \
  || fail "production: mailProviders:list answered $status ${body:0:200}"
ok "production profile: healthy in $(( $(date +%s) - started )) s, no demo services; the owner's token, signed with NocoBase's jwt_secret.dat, opens the unconfigured sidecar"
compose down -v --remove-orphans > /dev/null 2>&1 || fail "compose down -v (production)"
left=$(left_behind)
[ -z "$left" ] || fail "down -v left behind: $left"
ok "down -v leaves nothing of the production run"

current_env=""
cleanup
echo "compose: $passed passed, 0 failed"
