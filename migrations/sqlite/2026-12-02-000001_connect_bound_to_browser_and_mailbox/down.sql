PRAGMA foreign_keys = OFF;
BEGIN;
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
    UNIQUE (provider, email)
);
INSERT INTO mail_accounts_rebuilt SELECT id, user_id, provider, email, display_name, status,
    visibility, sync_enabled, sync_requested_at, sync_full_requested, last_sync_at,
    last_error_code, last_error_message, last_error_at, sync_phase, sync_done, sync_total,
    created_at, updated_at
FROM mail_accounts;
DROP TABLE mail_accounts;
ALTER TABLE mail_accounts_rebuilt RENAME TO mail_accounts;
CREATE INDEX mail_accounts_user_id ON mail_accounts (user_id);
ALTER TABLE mail_providers DROP COLUMN allowed_tenants;
ALTER TABLE oauth_states DROP COLUMN browser_hash;
COMMIT;
PRAGMA foreign_keys = ON;
