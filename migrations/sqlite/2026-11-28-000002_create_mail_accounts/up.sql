-- Connected mailboxes. One owner per mailbox: the same address at the same provider can
-- be connected by one NocoBase user only (a second one gets ACCOUNT_OWNED_BY_OTHER_USER).
CREATE TABLE mail_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    provider TEXT NOT NULL CHECK (provider IN ('google', 'microsoft')),
    email TEXT NOT NULL,
    display_name TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    visibility TEXT NOT NULL DEFAULT 'private',
    sync_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- Set by mailAccounts:sync and the OAuth callback; the sync scheduler takes it.
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
CREATE INDEX mail_accounts_user_id ON mail_accounts (user_id);

-- OAuth tokens, sealed by the vault and bound to the account row.
CREATE TABLE mail_account_tokens (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    access_token_sealed TEXT NOT NULL,
    access_expires_at TIMESTAMP NOT NULL,
    refresh_token_sealed TEXT,
    scopes TEXT NOT NULL,
    -- Bumped by every refresh: a caller that waited for another's refresh sees it changed.
    revision BIGINT NOT NULL DEFAULT 0,
    -- One refresh at a time per account, across every replica: a lease with an owner.
    refresh_lease_until TIMESTAMP,
    refresh_lease_owner TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- Pending authorizations: single use, bound to the user, ten minutes. Only a hash of the
-- state is stored; the state itself travels in the URL.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL,
    provider TEXT NOT NULL,
    return_url TEXT NOT NULL,
    pkce_verifier_sealed TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
