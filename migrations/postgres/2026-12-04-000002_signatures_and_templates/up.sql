-- Each user's signatures: HTML, for any mailbox (account_id NULL) or one mailbox, or one
-- send-as address of it (identity). At most one default per (user, mailbox, identity),
-- kept by the service. placement: aboveQuote or belowQuote, for replies and forwards.
CREATE TABLE mail_signatures (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    html TEXT NOT NULL,
    account_id BIGINT,
    identity TEXT,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    placement TEXT NOT NULL DEFAULT 'belowQuote',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_signatures_by_user ON mail_signatures (user_id, account_id);

-- Templates: personal ones (owner only) and shared ones (admins manage them; shown to
-- the NocoBase roles in roles, a JSON array). Subject and HTML hold NocoBase variables.
CREATE TABLE mail_templates (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL,
    owner_user_id BIGINT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    name TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_templates_by_owner ON mail_templates (scope, owner_user_id);
