-- A sync asked for while the account's run is in progress (a push notification, a
-- click on "sync now") sets rerun, so the run that is ending starts once more instead
-- of the request being lost with the finished job.
ALTER TABLE sync_jobs ADD COLUMN rerun BOOLEAN NOT NULL DEFAULT FALSE;

-- Each account's provider push: a Graph subscription (its id, the clientState sealed by
-- the vault, its expiry) or a Gmail watch (its expiry). One process at a time looks after
-- a row (claimed_by / claimed_until), at next_check_at.
--   pending → to be created;  active → push arrives;  failed → creating it failed, retried
--   later (the account keeps polling);  off → push is not configured for this provider
CREATE TABLE mail_push (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    subscription_id TEXT,
    client_state_sealed TEXT,
    expires_at TIMESTAMP,
    next_check_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    last_push_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_push_subscription ON mail_push (subscription_id);
CREATE INDEX mail_push_due ON mail_push (next_check_at);

-- What changed, for the live event streams of every process: writers append, each
-- process tails the table and fans rows out to its connected pages. Rows older than a
-- few minutes are deleted.
CREATE TABLE mail_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_events_created ON mail_events (created_at);
