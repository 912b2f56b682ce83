-- The synchronized mail. Everything hangs off an account and goes with it (cascade).

-- Gmail labels and Graph folders alike.
CREATE TABLE mail_folders (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- inbox, sent, drafts, trash, spam, archive, starred, important, or NULL.
    role TEXT,
    parent_provider_id TEXT,
    total_count BIGINT NOT NULL DEFAULT 0,
    unread_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, provider_id)
);

-- Provider threads (Gmail threadId, Graph conversationId), never merged by subject.
CREATE TABLE mail_threads (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    provider_thread_id TEXT NOT NULL,
    UNIQUE (account_id, provider_thread_id)
);

CREATE TABLE mail_messages (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    provider_message_id TEXT NOT NULL,
    thread_id BIGINT REFERENCES mail_threads (id) ON DELETE SET NULL,
    message_id_header TEXT,
    in_reply_to TEXT,
    references_header TEXT,
    subject TEXT NOT NULL DEFAULT '',
    snippet TEXT NOT NULL DEFAULT '',
    from_name TEXT,
    from_address TEXT,
    sent_at TIMESTAMP,
    -- The listing date: when the provider received (or sent) it.
    received_at TIMESTAMP NOT NULL,
    is_read BOOLEAN NOT NULL DEFAULT FALSE,
    is_starred BOOLEAN NOT NULL DEFAULT FALSE,
    has_attachments BOOLEAN NOT NULL DEFAULT FALSE,
    size BIGINT NOT NULL DEFAULT 0,
    body_text TEXT,
    -- Stored as received; sanitized whenever it is shown.
    body_html TEXT,
    -- Every participant address, lower-cased, space-separated: for full-text search.
    search_addresses TEXT NOT NULL DEFAULT '',
    -- Gmail historyId / Graph changeKey of the stored state.
    provider_version TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, provider_message_id)
);
-- The first page of an account's mailbox, newest first, stays an index range scan.
CREATE INDEX mail_messages_account_date ON mail_messages (account_id, received_at DESC, id DESC);
CREATE INDEX mail_messages_thread ON mail_messages (thread_id);

CREATE TABLE mail_message_folders (
    message_id BIGINT NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
    folder_id BIGINT NOT NULL REFERENCES mail_folders (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, folder_id)
);
CREATE INDEX mail_message_folders_folder ON mail_message_folders (folder_id, message_id);

-- Who a message is from and to: the "all mail with this customer" lookups.
CREATE TABLE mail_participants (
    id BIGSERIAL PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
    -- from, to, cc, bcc, reply_to
    role TEXT NOT NULL,
    name TEXT,
    address TEXT NOT NULL,
    domain TEXT NOT NULL
);
CREATE INDEX mail_participants_address ON mail_participants (address, message_id);
CREATE INDEX mail_participants_domain ON mail_participants (domain, message_id);
CREATE INDEX mail_participants_message ON mail_participants (message_id);

-- Attachment metadata; the bytes are fetched from the provider on demand.
CREATE TABLE mail_attachments (
    id BIGSERIAL PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
    part_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    inline BOOLEAN NOT NULL DEFAULT FALSE,
    content_id TEXT
);
CREATE INDEX mail_attachments_message ON mail_attachments (message_id);

-- Where each sync stands: Gmail keeps one cursor per account ('account'), Graph one per
-- folder (the folder's provider id). `cursor` is the history id or delta link of the
-- last finished round; `resume` is where an unfinished pass picks up after a crash.
CREATE TABLE mail_sync_cursors (
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    cursor TEXT,
    resume TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, scope)
);

-- The job queue: at most one job per account. A worker claims it by a conditional
-- update (lease); `revision` grows with every claim, so a worker whose lease was taken
-- over cannot write any more (fencing).
CREATE TABLE sync_jobs (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    full_resync BOOLEAN NOT NULL DEFAULT FALSE,
    run_after TIMESTAMP NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    revision BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sync_jobs_due ON sync_jobs (run_after);

-- Full-text search over subject, body text and addresses: a generated tsvector with a
-- GIN index ('simple' configuration: no stemming, so addresses and names match as typed).
ALTER TABLE mail_messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', subject || ' ' || coalesce(body_text, '') || ' ' || search_addresses)
) STORED;
CREATE INDEX mail_messages_search ON mail_messages USING GIN (search);
