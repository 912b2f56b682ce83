PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE mail_account_servers;
DELETE FROM mail_accounts WHERE provider = 'imap';
CREATE TABLE mail_accounts_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('google', 'microsoft')),
    email TEXT NOT NULL,
    display_name TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    visibility TEXT NOT NULL DEFAULT 'private',
    sync_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    sync_requested_at TIMESTAMP,
    sync_full_requested BOOLEAN NOT NULL DEFAULT FALSE,
    last_sync_at TIMESTAMP,
    last_error_code TEXT,
    last_error_message TEXT,
    last_error_at TIMESTAMP,
    sync_phase TEXT NOT NULL DEFAULT 'initial',
    sync_done BIGINT NOT NULL DEFAULT 0,
    sync_total BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    provider_user_id TEXT,
    shared_with_roles TEXT,
    identities TEXT,
    identities_checked_at TIMESTAMP
);
INSERT INTO mail_accounts_rebuilt SELECT * FROM mail_accounts;
DROP TABLE mail_accounts;
ALTER TABLE mail_accounts_rebuilt RENAME TO mail_accounts;
CREATE INDEX mail_accounts_user_id ON mail_accounts (user_id);
CREATE INDEX mail_accounts_address ON mail_accounts (provider, email);
CREATE UNIQUE INDEX mail_accounts_mailbox ON mail_accounts (provider, provider_user_id)
    WHERE provider_user_id IS NOT NULL;
CREATE TABLE mail_providers_rebuilt (
    name TEXT PRIMARY KEY NOT NULL CHECK (name IN ('google', 'microsoft')),
    client_id TEXT NOT NULL DEFAULT '',
    client_secret_sealed TEXT,
    tenant TEXT,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    pubsub_topic TEXT,
    push_audience TEXT,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    allowed_tenants TEXT,
    connect_roles TEXT,
    push_service_account TEXT
);
INSERT INTO mail_providers_rebuilt SELECT name, client_id, client_secret_sealed, tenant, enabled,
    pubsub_topic, push_audience, updated_at, allowed_tenants, connect_roles, push_service_account
FROM mail_providers WHERE name <> 'imap';
DROP TABLE mail_providers;
ALTER TABLE mail_providers_rebuilt RENAME TO mail_providers;
COMMIT;
PRAGMA foreign_keys = ON;
