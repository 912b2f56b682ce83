#!/bin/sh
# Starts the sidecar as the image does: settings come from EMAIL_MANAGER__* variables (and
# an optional /config/email-manager.toml); the checks of `check-config` run first so a bad
# setting stops the container with every problem listed, secrets redacted.
set -eu

# Started as root (the compose file does this): become the image's own user at once,
# keeping one capability, CAP_DAC_READ_SEARCH (read any file), and nothing else. NocoBase
# runs as root and writes storage/apps/main/jwt_secret.dat with mode 0600, so an ordinary
# user cannot read the key it signs tokens with; the storage is mounted read-only here.
if [ "$(id -u)" = 0 ]; then
  exec setpriv --reuid=email-manager --regid=email-manager --init-groups \
    --inh-caps=-all,+dac_read_search --ambient-caps=-all,+dac_read_search \
    --bounding-set=-all,+dac_read_search "$0" "$@"
fi

config=""
if [ -f /config/email-manager.toml ]; then
  config="--config /config/email-manager.toml"
fi
# shellcheck disable=SC2086
email-manager $config check-config > /dev/null
# shellcheck disable=SC2086
exec email-manager $config "$@"
