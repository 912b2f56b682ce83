-- Every send goes through here: one row per (account, Idempotency-Key), so a retried
-- request returns the first outcome instead of sending again, and a scheduled send waits
-- here (its message sealed by the vault) until it is due.
--   queued  → waiting for send_at (shown as "scheduled")
--   sending → handed to the provider; a row left here by a crash becomes unknown
--   sent | failed | unknown → final; unknown is never re-sent on its own
CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    idempotency_key TEXT,
    -- A digest of the request: the same key with a different request is refused.
    request_digest TEXT NOT NULL,
    status TEXT NOT NULL,
    send_at TIMESTAMP,
    subject TEXT NOT NULL DEFAULT '',
    recipient_count BIGINT NOT NULL DEFAULT 0,
    -- The composed message (vault-sealed JSON), kept only while it waits to be sent.
    message TEXT,
    provider_message_id TEXT,
    provider_thread_id TEXT,
    error_code TEXT,
    error_message TEXT,
    lease_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, send_at);
CREATE INDEX mail_outbox_user ON mail_outbox (user_id, created_at);
