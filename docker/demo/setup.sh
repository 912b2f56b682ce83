#!/bin/sh
# The demo's one-shot setup (the `demo-setup` service): registers the demo OAuth apps and
# seeds two mailboxes in the provider emulator, then signs in to NocoBase as its first
# admin and saves both apps in the sidecar's mailProviders, as an admin would on the
# settings page. Safe to run again. Needs only sh and curl (both are in the image).
set -eu
EMULATOR_URL=${EMULATOR_URL:-http://emulator:9900}
SIDECAR_URL=${SIDECAR_URL:-http://email-manager:8080}
NOCOBASE_URL=${NOCOBASE_URL:-http://nocobase:80}
PUBLIC_URL=${PUBLIC_URL:-http://localhost:13000}
ROOT_EMAIL=${INIT_ROOT_EMAIL:-admin@nocobase.com}
ROOT_PASSWORD=${INIT_ROOT_PASSWORD:?INIT_ROOT_PASSWORD is not set}
MESSAGES=${DEMO_MESSAGES:-120}
REDIRECT="$PUBLIC_URL/api/mailOAuth:callback"

say() { echo "demo-setup: $*"; }
# Waits until $1 answers with HTTP status $2 (NocoBase takes a minute on its first start).
wait_for() {
  tries=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = "$2" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ]; then
      say "$1 did not answer $2 in 10 minutes" >&2
      exit 1
    fi
    sleep 2
  done
}
post() { curl -sS -X POST -H 'content-type: application/json' "$@"; }

say "waiting for the emulator, NocoBase and the sidecar"
wait_for "$EMULATOR_URL/_emulator/users/nobody@demo.test/messages" 200
wait_for "$NOCOBASE_URL/api/__health_check" 200
wait_for "$SIDECAR_URL/readyz" 200

for provider in google microsoft; do
  post "$EMULATOR_URL/_emulator/clients" -o /dev/null \
    -d "{\"provider\":\"$provider\",\"clientId\":\"demo-$provider-client\",\"clientSecret\":\"demo-$provider-secret\",\"redirectUris\":[\"$REDIRECT\"]}"
done
# A mailbox is seeded once: seeding again would replace it under a synced account.
seed() {
  if [ "$(curl -s "$EMULATOR_URL/_emulator/users/$2/messages")" = "[]" ]; then
    post "$EMULATOR_URL/_emulator/users" -o /dev/null \
      -d "{\"provider\":\"$1\",\"email\":\"$2\",\"name\":\"Dana Demo\",\"messages\":$MESSAGES,\"seed\":$3}"
  fi
}
seed google demo@gmail.test 7
seed microsoft demo@outlook.test 8
say "emulator: OAuth apps registered, demo@gmail.test and demo@outlook.test hold $MESSAGES messages each"

signin=$(post "$NOCOBASE_URL/api/auth:signIn" -H 'X-Authenticator: basic' \
  -d "{\"account\":\"$ROOT_EMAIL\",\"password\":\"$ROOT_PASSWORD\"}")
token=$(printf '%s' "$signin" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')
if [ -z "$token" ]; then
  say "could not sign in to NocoBase as $ROOT_EMAIL" >&2
  exit 1
fi
for provider in google microsoft; do
  answer=$(post -w '\n%{http_code}' "$SIDECAR_URL/api/mailProviders:update?filterByTk=$provider" \
    -H "Authorization: Bearer $token" -H 'X-Authenticator: basic' \
    -d "{\"clientId\":\"demo-$provider-client\",\"clientSecret\":\"demo-$provider-secret\",\"enabled\":true}")
  if [ "$(printf '%s' "$answer" | tail -n 1)" != 200 ]; then
    say "saving the $provider app in the sidecar failed: $(printf '%s' "$answer" | head -n 1)" >&2
    exit 1
  fi
done
say "sidecar: Google and Microsoft apps saved and enabled"
say "ready: open $PUBLIC_URL, sign in as $ROOT_EMAIL, and connect demo@gmail.test or demo@outlook.test"
