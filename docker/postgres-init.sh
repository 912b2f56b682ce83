#!/bin/sh
# First start of the PostgreSQL volume: one database and one role each for NocoBase and
# the sidecar (passwords from docker/.env).
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE nocobase LOGIN PASSWORD '${NOCOBASE_DB_PASSWORD}';
CREATE DATABASE nocobase OWNER nocobase;
CREATE ROLE email_manager LOGIN PASSWORD '${EMAIL_MANAGER_DB_PASSWORD}';
CREATE DATABASE email_manager OWNER email_manager;
SQL
