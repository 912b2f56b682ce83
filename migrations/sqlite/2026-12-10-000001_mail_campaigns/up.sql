-- Mail merge (#25): a campaign sends one message per recipient from a template, from one
-- mailbox, paced to the provider's limits. The template's subject and HTML are copied in
-- when the campaign is made, so a template edited mid-campaign does not change half the
-- sends. status: draft, running, paused, done, cancelled.
CREATE TABLE mail_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    from_address TEXT,
    template_id BIGINT,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    -- JSON: {dataSource?, collection, filter | ids, emailField}.
    source TEXT NOT NULL,
    -- JSON: the template's `$user`, the owner as NocoBase showed them at creation (the
    -- sender runs later, without the owner's token).
    user_values TEXT NOT NULL DEFAULT '{}',
    send_at TIMESTAMP,
    status TEXT NOT NULL DEFAULT 'draft',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_campaigns_by_user ON mail_campaigns (user_id);
CREATE INDEX mail_campaigns_by_status ON mail_campaigns (status, send_at);

-- One row per record of the campaign's source, made when the campaign is. `record` is
-- the record's fields (sealed: customer data), the template's `$nRecord`. A recipient is
-- handed to the outbox once (`outbox_id`, in the same transaction as the outbox row, whose
-- key is unique per mailbox): that is what makes each recipient sent at most once.
-- status: queued, sent, failed, skipped (error says why).
CREATE TABLE mail_campaign_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id BIGINT NOT NULL REFERENCES mail_campaigns (id) ON DELETE CASCADE,
    record_id TEXT NOT NULL,
    address TEXT,
    record TEXT,
    status TEXT NOT NULL DEFAULT 'queued',
    error TEXT,
    outbox_id BIGINT,
    message_id TEXT,
    sent_at TIMESTAMP,
    UNIQUE (campaign_id, record_id)
);
CREATE INDEX mail_campaign_recipients_by_status ON mail_campaign_recipients (campaign_id, status, id);
