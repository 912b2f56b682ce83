-- A connect finishes only in the browser that started it: the hash of a random value
-- set as a cookie on the authorize answer, compared at the callback.
-- A mailbox is its provider's immutable user id (Google `sub`, Microsoft `<tid>/<oid>`),
-- not its address, which a Microsoft tenant's admins may set to anyone's. Accounts
-- connected before this have none until their next token refresh or reconnect fills it.
PRAGMA foreign_keys = OFF;
BEGIN;
ALTER TABLE oauth_states ADD COLUMN browser_hash TEXT;
ALTER TABLE mail_providers ADD COLUMN allowed_tenants TEXT;
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
    provider_user_id TEXT
);
INSERT INTO mail_accounts_rebuilt (id, user_id, provider, email, display_name, status, visibility,
    sync_enabled, sync_requested_at, sync_full_requested, last_sync_at, last_error_code,
    last_error_message, last_error_at, sync_phase, sync_done, sync_total, created_at, updated_at)
SELECT id, user_id, provider, email, display_name, status, visibility,
    sync_enabled, sync_requested_at, sync_full_requested, last_sync_at, last_error_code,
    last_error_message, last_error_at, sync_phase, sync_done, sync_total, created_at, updated_at
FROM mail_accounts;
DROP TABLE mail_accounts;
ALTER TABLE mail_accounts_rebuilt RENAME TO mail_accounts;
CREATE INDEX mail_accounts_user_id ON mail_accounts (user_id);
CREATE INDEX mail_accounts_address ON mail_accounts (provider, email);
CREATE UNIQUE INDEX mail_accounts_mailbox ON mail_accounts (provider, provider_user_id)
    WHERE provider_user_id IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
