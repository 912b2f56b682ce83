#!/usr/bin/env bash
# Checks the docker files without a Docker engine, in seconds: the compose file is valid
# with the example .env and refuses to start without one; the Dockerfile's port, health
# check, user and data path agree with the compose file and the proxy. What the files do
# when run is tests/docker/compose_up.sh's part, on a real engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
bind_port=$(sed -n 's/.*EMAIL_MANAGER__SERVER__BIND=0\.0\.0\.0:\([0-9]*\).*/\1/p' docker/Dockerfile)
[ -n "$bind_port" ] || fail "the Dockerfile sets no bind address"
grep -q "^EXPOSE $bind_port\$" docker/Dockerfile || fail "EXPOSE is not the bind port $bind_port"
grep -q "http://127.0.0.1:$bind_port/healthz" docker/Dockerfile || fail "HEALTHCHECK does not probe port $bind_port"
grep -q "email-manager:$bind_port" docker/nginx.conf || fail "the proxy does not reach the sidecar on $bind_port"
grep -q '^USER email-manager' docker/Dockerfile || fail "the image does not run as its own user"
grep -q 'EMAIL_MANAGER__DATABASE__URL=sqlite:///data/' docker/Dockerfile || fail "the default database is not on /data"
echo "ok - port $bind_port everywhere, non-root user, data on /data"
# The plugin: built in the image, where install-plugin.sh looks, and run by compose.
grep -q '^COPY docker/install-plugin.sh /usr/local/bin/install-plugin.sh$' docker/Dockerfile || fail "the image lacks install-plugin.sh"
grep -q '^COPY --from=plugin /plugin/out/\*.tgz /usr/share/email-manager/plugin/$' docker/Dockerfile || fail "the image lacks the plugin tarball"
grep -q '/usr/share/email-manager/plugin/\*.tgz' docker/install-plugin.sh || fail "install-plugin.sh looks elsewhere for the tarball"
grep -q 'entrypoint: \["/usr/local/bin/install-plugin.sh"\]' docker/docker-compose.yml || fail "compose does not run install-plugin.sh"
grep -q '^nocobase-plugin/dist-tar$' .dockerignore && grep -q 'node_modules' .dockerignore || fail ".dockerignore lets node_modules or old builds into the image"
echo "ok - the image builds the NocoBase plugin and compose installs it before NocoBase starts"
