#!/usr/bin/env bash
# The Docker engine the compose test runs on: Debian's docker.io, started as root.
#
#   bash tests/docker/engine.sh install # docker.io, debootstrap and Compose v2, if missing
#   bash tests/docker/engine.sh start   # installs what is missing, starts dockerd unless one answers
#   bash tests/docker/engine.sh stop    # stops the dockerd `start` started (never one it found)
#
# Compose v2 (`docker compose`, what the README tells admins to run) is not in Debian
# bookworm, whose docker-compose is the retired Python v1; trixie's docker-compose package
# is v2, a Go binary that needs only glibc 2.34, so it is fetched from the same Debian
# mirror, checked against the hash written here, and installed beside bookworm's engine.
set -euo pipefail
state=${HOME:-/root}/.cache/email-manager-ci/docker-engine
mkdir -p "$state"
pidfile=$state/dockerd.pid
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
COMPOSE_DEB=pool/main/d/docker-compose/docker-compose_2.26.1-4_amd64.deb
COMPOSE_SHA256=47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea

say() { echo "engine: $*"; }
answers() { timeout 10 docker info > /dev/null 2>&1; }

install() {
  if ! command -v dockerd > /dev/null || ! command -v debootstrap > /dev/null; then
    say "installing docker.io and debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap > /dev/null
  fi
  if ! docker compose version 2> /dev/null | grep -q 'version v\?2'; then
    say "installing Compose v2 from Debian trixie"
    local deb=$state/docker-compose.deb
    curl -fsS -o "$deb" "$DEBIAN_MIRROR/$COMPOSE_DEB"
    echo "$COMPOSE_SHA256  $deb" | sha256sum -c --quiet
    dpkg -i "$deb" > /dev/null
  fi
}

case "${1:-}" in
  install)
    install
    ;;
  start)
    install
    if answers; then
      say "a Docker engine is already running; using it"
      exit 0
    fi
    say "starting dockerd (log: $state/dockerd.log)"
    nohup dockerd > "$state/dockerd.log" 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 1 60); do
      answers && { say "dockerd $(docker version --format '{{.Server.Version}}') is up"; exit 0; }
      sleep 1
    done
    tail -n 20 "$state/dockerd.log" >&2
    say "dockerd did not start" >&2
    exit 1
    ;;
  stop)
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    rm -f "$pidfile"
    if kill -0 "$pid" 2> /dev/null; then
      kill "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2> /dev/null || break; sleep 1; done
      say "dockerd stopped"
    fi
    ;;
  *)
    echo "usage: $0 install|start|stop" >&2
    exit 2
    ;;
esac
