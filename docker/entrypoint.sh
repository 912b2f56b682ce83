#!/bin/sh
# Starts the sidecar as the image does: settings come from EMAIL_MANAGER__* variables (and
# an optional /config/email-manager.toml); the checks of `check-config` run first so a bad
# setting stops the container with every problem listed, secrets redacted.
set -eu
config=""
if [ -f /config/email-manager.toml ]; then
  config="--config /config/email-manager.toml"
fi
# shellcheck disable=SC2086
email-manager $config check-config > /dev/null
# shellcheck disable=SC2086
exec email-manager $config "$@"
