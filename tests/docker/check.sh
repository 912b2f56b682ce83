#!/usr/bin/env bash
# Checks the docker files without a Docker engine (none runs on CI machines):
#  1. the compose file is valid with the example .env, and refuses to start without one;
#  2. the Dockerfile's port, health check and data path agree;
#  3. the image's recipe works: the same release binaries, started through
#     docker/entrypoint.sh with the image's environment, serve /healthz and /readyz and
#     keep their data (database, generated key 0600) in the data folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "-- compose file"
command -v docker-compose >/dev/null || fail "docker-compose is not installed (Debian: apt-get install docker-compose)"
docker-compose -f docker/docker-compose.yml --env-file docker/.env.example config -q \
  || fail "docker/docker-compose.yml does not validate with docker/.env.example"
if docker-compose -f docker/docker-compose.yml --env-file /dev/null config -q 2>/dev/null; then
  fail "the compose file starts without its secrets"
fi
# Read the list once: `docker-compose ... | grep -q` under pipefail fails whenever grep's
# early exit meets a write still to come (SIGPIPE), which a CI run once reported as a
# missing service.
services=$(docker-compose -f docker/docker-compose.yml --env-file docker/.env.example config --services) \
  || fail "docker-compose config --services failed"
for service in postgres nocobase email-manager proxy; do
  grep -qx "$service" <<<"$services" || fail "no $service service (it lists: $(echo $services))"
done
echo "ok - compose validates, needs its .env, has postgres, nocobase, email-manager, proxy"
docker-compose -f docker/docker-compose.yml --env-file docker/demo/demo.env --profile demo config -q \
  || fail "the demo profile does not validate with docker/demo/demo.env"
for service in emulator demo-setup; do
  grep -A1 "^  $service:\$" docker/docker-compose.yml | grep -q 'profiles: \[demo\]' \
    || fail "$service is not confined to the demo profile"
done
echo "ok - the demo profile validates with demo.env; emulator and demo-setup run only in it"

echo "-- Dockerfile"
cargo build --release --locked --workspace --bins
bind_port=$(sed -n 's/.*EMAIL_MANAGER__SERVER__BIND=0\.0\.0\.0:\([0-9]*\).*/\1/p' docker/Dockerfile)
[ -n "$bind_port" ] || fail "the Dockerfile sets no bind address"
grep -q "^EXPOSE $bind_port\$" docker/Dockerfile || fail "EXPOSE is not the bind port $bind_port"
grep -q "http://127.0.0.1:$bind_port/healthz" docker/Dockerfile || fail "HEALTHCHECK does not probe port $bind_port"
grep -q "email-manager:$bind_port" docker/nginx.conf || fail "the proxy does not reach the sidecar on $bind_port"
grep -q '^USER email-manager' docker/Dockerfile || fail "the image does not run as its own user"
grep -q 'EMAIL_MANAGER__DATABASE__URL=sqlite:///data/' docker/Dockerfile || fail "the default database is not on /data"
# Every shared library the binary needs is one the runtime stage installs (or glibc's).
for lib in $(ldd "$target/release/email-manager" 2>/dev/null | awk '/=>/ {print $1}'); do
  case "$lib" in
    libc.so*|libm.so*|libgcc_s.so*|libpthread.so*|libdl.so*|librt.so*) ;;
    libssl.so.3|libcrypto.so.3) grep -q 'libssl3' docker/Dockerfile || fail "the runtime image lacks libssl3 for $lib" ;;
    *) fail "the binary needs $lib, which the runtime image does not install" ;;
  esac
done
echo "ok - port $bind_port everywhere, non-root user, data on /data, libraries installed"
# The plugin: built in the image, where install-plugin.sh looks, and run by compose.
grep -q '^COPY docker/install-plugin.sh /usr/local/bin/install-plugin.sh$' docker/Dockerfile || fail "the image lacks install-plugin.sh"
grep -q '^COPY --from=plugin /plugin/out/\*.tgz /usr/share/email-manager/plugin/$' docker/Dockerfile || fail "the image lacks the plugin tarball"
grep -q '/usr/share/email-manager/plugin/\*.tgz' docker/install-plugin.sh || fail "install-plugin.sh looks elsewhere for the tarball"
grep -q 'entrypoint: \["/usr/local/bin/install-plugin.sh"\]' docker/docker-compose.yml || fail "compose does not run install-plugin.sh"
grep -q '^nocobase-plugin/dist-tar$' .dockerignore && grep -q 'node_modules' .dockerignore || fail ".dockerignore lets node_modules or old builds into the image"
echo "ok - the image builds the NocoBase plugin and compose installs it before NocoBase starts"

echo "-- the image's start-up, outside an image"
data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# What the Dockerfile's ENV says, with /data and the port made local.
(
  cd "$data"
  exec env -i PATH="$target/release:/usr/bin:/bin" \
    EMAIL_MANAGER__SERVER__BIND="127.0.0.1:$port" \
    EMAIL_MANAGER__DATABASE__URL="sqlite://$data/email-manager.sqlite3" \
    "$root/docker/entrypoint.sh" serve > "$data/out.log" 2>&1
) &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$data/out.log"; fail "no /healthz"; }
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$data/out.log"; fail "not ready"; }
[ -s "$data/email-manager.sqlite3" ] || fail "no database in the data folder"
key=$(find "$data" -name encryption.key | head -n 1)
[ -n "$key" ] || fail "no generated encryption key in the data folder"
[ "$(stat -c %a "$key")" = "600" ] || fail "the generated key is not 0600"
echo "ok - entrypoint serves /healthz and /readyz; database and key (0600) in the data folder"

echo "-- a bad setting stops the entrypoint with the problem named"
if out=$(cd "$data" && env -i PATH="$target/release:/usr/bin:/bin" EMAIL_MANAGER__SERVER__BIND="nonsense" \
  "$root/docker/entrypoint.sh" serve 2>&1); then
  fail "the entrypoint started with a bad bind address"
fi
echo "$out" | grep -q "server.bind" || fail "the error does not name server.bind: $out"
echo "ok - a bad setting is refused before serving"

echo "-- the demo profile, outside Docker"
python3 "$root/tests/docker/demo_check.py" "$target/release" || fail "the demo profile"
