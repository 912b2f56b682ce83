#!/bin/sh
# NocoBase's own image entrypoint (docker/nocobase/docker-entrypoint.sh in nocobase/nocobase),
# as a stand-in: nginx in front on port 80 with the site NocoBase writes for itself, the
# scripts an admin put in storage/scripts, then NocoBase (install on the first start).
set -e
export NOCOBASE_RUNNING_IN_DOCKER=true
if [ ! -f /app/nocobase/package.json ]; then
  echo 'copying...'
  tar -zxf /app/nocobase.tar.gz --absolute-names -C /app/nocobase
fi
cd /app/nocobase && yarn nocobase create-nginx-conf
rm -rf /etc/nginx/sites-enabled/nocobase.conf
ln -s /app/nocobase/storage/nocobase.conf /etc/nginx/sites-enabled/nocobase.conf
nginx
echo 'nginx started'
if [ -d /app/nocobase/storage/scripts ]; then
  for f in /app/nocobase/storage/scripts/*.sh; do
    [ -f "$f" ] && sh "$f"
  done
fi
cd /app/nocobase && yarn start --quickstart
