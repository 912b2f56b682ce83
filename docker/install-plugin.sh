#!/bin/sh
# Puts the NocoBase plugin this image carries into NocoBase's storage, where NocoBase looks
# for plugins added from a tarball (storage/plugins/<package>), replacing an older copy.
# Run by the compose file's one-shot `nocobase-plugin` service before NocoBase starts;
# NocoBase's APPEND_PRESET_BUILT_IN_PLUGINS then enables it when it installs itself.
set -eu
tarball=${PLUGIN_TGZ:-$(ls /usr/share/email-manager/plugin/*.tgz | head -n 1)}
storage=${NOCOBASE_STORAGE:-/nocobase-storage}
target="$storage/plugins/@email-manager-sidecar/plugin-email-manager"
# Unpacked beside the target, then swapped in, so NocoBase never sees half a plugin.
rm -rf "$target.new"
mkdir -p "$target.new"
tar xzf "$tarball" --strip-components=1 -C "$target.new"
[ -f "$target.new/package.json" ] || { echo "$tarball holds no package.json" >&2; exit 1; }
rm -rf "$target"
mv "$target.new" "$target"
echo "installed $(basename "$tarball") into $target"
