#!/usr/bin/env bash
# Builds local stand-ins for the public base images that docker/Dockerfile and
# docker/docker-compose.yml name, tagged with those very names, so both files are tested
# exactly as users run them on a machine that cannot pull from an image registry.
#
#   debian:bookworm-slim           debootstrap --variant=minbase of Debian bookworm.
#   rust:1.95-slim-bookworm        that Debian, plus this machine's Rust 1.95 toolchain.
#   node:20-bookworm-slim          that Debian, plus this machine's Node 20, npm and yarn 1.
#   postgres:16                    that Debian, plus Debian's PostgreSQL server, started by a
#                                  stand-in of the official entrypoint (postgres/).
#   nginx:1.27-alpine              that Debian, plus Debian's nginx, configured as the
#                                  official image is (nginx/).
#   nocobase/nocobase:latest-full  the node stand-in, plus NocoBase installed from npm the
#                                  way tests/nocobase/install.sh does, started by a
#                                  stand-in of NocoBase's own entrypoint (nocobase/).
#
# How each differs from the real image is written in its folder's Dockerfile. Every
# stand-in carries this machine's CA bundle: the package registries are reached through
# this machine's TLS setup, and a container trusts them only with that bundle.
#
# An image is rebuilt only when its recipe changed: each carries the hash of its folder
# (and of this script) as the label email-manager.standin. The engine keeps its images
# between runs, so a warm run builds nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NB_VERSION=${NB_VERSION:-2.2.15}
NB_APP=${NB_APP:-${HOME:-/root}/.cache/email-manager-ci/nocobase/app-$NB_VERSION}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ca_bundle=/etc/ssl/certs/ca-certificates.crt

say() { echo "standins: $*"; }
recipe() { (cd "$here" && cat build.sh && find "$1" -type f | sort | xargs cat 2>/dev/null) | sha256sum | cut -c1-16; }
current() { [ "$(docker image inspect --format '{{index .Config.Labels "email-manager.standin"}}' "$1" 2>/dev/null)" = "$2" ]; }

# A build context in a temporary folder: the stand-in's own files, the CA bundle, and what
# the caller copies in. Removed on exit.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
context() {
  rm -rf "$work/ctx"
  mkdir -p "$work/ctx"
  [ -d "$here/$1" ] && cp -a "$here/$1/." "$work/ctx/"
  cp "$ca_bundle" "$work/ctx/machine-ca.crt"
  echo "$work/ctx"
}
# Builds $1 from the folder $2 unless the image there is current; a third argument is a
# function that adds to the context what the folder does not hold.
build() {
  local tag=$1 folder=$2 fill=${3:-} hash ctx
  hash=$(recipe "$folder")
  if current "$tag" "$hash"; then say "$tag is current"; return; fi
  ctx=$(context "$folder")
  [ -z "$fill" ] || "$fill" "$ctx"
  say "building $tag"
  docker build --force-rm --label "email-manager.standin=$hash" -t "$tag" "$ctx" > "$work/build.log" 2>&1 \
    || { tail -n 30 "$work/build.log" >&2; echo "standins: building $tag failed" >&2; exit 1; }
}

# debian:bookworm-slim: a minimal bootstrap, with the sources and apt settings of the
# official image (bookworm, -updates and -security; no recommends kept by the slim image's
# dpkg filters is NOT reproduced: docs and man pages stay).
tag=debian:bookworm-slim
hash=$(recipe /dev/null)
if ! current "$tag" "$hash"; then
  say "building $tag (debootstrap, about 40 s)"
  rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }
  rm -f "$rootfs/etc/apt/sources.list"
  cat > "$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  mkdir -p "$rootfs/usr/local/share/ca-certificates" "$rootfs/etc/ssl/certs"
  cp "$ca_bundle" "$rootfs/usr/local/share/ca-certificates/machine-ca.crt"
  cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import \
    --change "LABEL email-manager.standin=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$tag" > /dev/null
  rm -rf "$rootfs"
else
  say "$tag is current"
fi

# rust:1.95-slim-bookworm: the toolchain this machine runs (no other can be fetched).
rust_toolchain() {
  local sysroot
  sysroot=$(rustc --print sysroot)
  case "$(rustc --version)" in "rustc 1.95."*) ;; *) echo "standins: this machine's rustc is not 1.95" >&2; exit 1 ;; esac
  mkdir -p "$1/toolchain"
  cp -a "$sysroot/bin" "$sysroot/lib" "$1/toolchain/"
}
build rust:1.95-slim-bookworm rust rust_toolchain

# node:20-bookworm-slim: this machine's Node 20 with its npm and corepack.
node_runtime() {
  local node_bin
  node_bin=$(readlink -f "$(command -v node)")
  case "$("$node_bin" --version)" in v20.*) ;; *) echo "standins: this machine's node is not 20" >&2; exit 1 ;; esac
  mkdir -p "$1/node/bin" "$1/node/lib"
  cp "$node_bin" "$1/node/bin/node"
  cp -a "$(dirname "$(dirname "$node_bin")")/lib/node_modules" "$1/node/lib/"
}
build node:20-bookworm-slim node node_runtime

build postgres:16 postgres
build nginx:1.27-alpine nginx

# nocobase/nocobase:latest-full: the install tests/nocobase/install.sh made (its code
# only; every container gets its own storage), unpacked into the image (the real one unpacks a tarball on its first start).
nocobase_app() {
  [ -f "$NB_APP/.installed" ] || bash "$here/../../nocobase/install.sh"
  say "packing NocoBase $NB_VERSION from $NB_APP"
  tar -C "$NB_APP" --exclude=./storage --exclude=./.installed -cf "$1/nocobase.tar" .
}
build nocobase/nocobase:latest-full nocobase nocobase_app
# Earlier builds of a stand-in, untagged by a rebuild, go (the engine's store persists).
docker image prune -f --filter label=email-manager.standin > /dev/null
say "all stand-ins are built"
