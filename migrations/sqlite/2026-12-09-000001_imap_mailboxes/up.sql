-- Any mailbox by IMAP and SMTP (#26): a third provider, `imap`, whose row holds the admin's
-- rules for user-named servers (imap_settings, JSON: allowedHosts, allowPrivateNetworks,
-- allowPlaintext), and each IMAP mailbox's servers and sealed password.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE mail_providers_rebuilt (
    name TEXT PRIMARY KEY NOT NULL CHECK (name IN ('google', 'microsoft', 'imap')),
    client_id TEXT NOT NULL DEFAULT '',
    -- Sealed by the vault (AES-256-GCM, bound to this row); never plain text.
    client_secret_sealed TEXT,
    tenant TEXT,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    pubsub_topic TEXT,
    push_audience TEXT,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    allowed_tenants TEXT,
    connect_roles TEXT,
    push_service_account TEXT,
    imap_settings TEXT
);
INSERT INTO mail_providers_rebuilt (name, client_id, client_secret_sealed, tenant, enabled,
    pubsub_topic, push_audience, updated_at, allowed_tenants, connect_roles, push_service_account)
SELECT name, client_id, client_secret_sealed, tenant, enabled,
    pubsub_topic, push_audience, updated_at, allowed_tenants, connect_roles, push_service_account
FROM mail_providers;
DROP TABLE mail_providers;
ALTER TABLE mail_providers_rebuilt RENAME TO mail_providers;
INSERT INTO mail_providers (name) VALUES ('imap');

CREATE TABLE mail_accounts_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('google', 'microsoft', 'imap')),
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
INSERT INTO mail_accounts_rebuilt SELECT id, user_id, provider, email, display_name, status,
    visibility, sync_enabled, sync_requested_at, sync_full_requested, last_sync_at,
    last_error_code, last_error_message, last_error_at, sync_phase, sync_done, sync_total,
    created_at, updated_at, provider_user_id, shared_with_roles, identities, identities_checked_at
FROM mail_accounts;
DROP TABLE mail_accounts;
ALTER TABLE mail_accounts_rebuilt RENAME TO mail_accounts;
CREATE INDEX mail_accounts_user_id ON mail_accounts (user_id);
CREATE INDEX mail_accounts_address ON mail_accounts (provider, email);
CREATE UNIQUE INDEX mail_accounts_mailbox ON mail_accounts (provider, provider_user_id)
    WHERE provider_user_id IS NOT NULL;

-- An IMAP mailbox's servers as its user gave them, and its password (or app password)
-- sealed by the vault and bound to this row, as OAuth tokens are.
CREATE TABLE mail_account_servers (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    imap_host TEXT NOT NULL,
    imap_port INTEGER NOT NULL,
    imap_tls TEXT NOT NULL CHECK (imap_tls IN ('implicit', 'starttls', 'none')),
    smtp_host TEXT NOT NULL,
    smtp_port INTEGER NOT NULL,
    smtp_tls TEXT NOT NULL CHECK (smtp_tls IN ('implicit', 'starttls', 'none')),
    username TEXT NOT NULL,
    password_sealed TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
COMMIT;
PRAGMA foreign_keys = ON;
