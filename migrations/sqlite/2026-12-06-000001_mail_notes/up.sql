-- Notes and to-dos on mail: on one message or on a thread, written by a NocoBase user who
-- may read that mail's body, and seen by whoever may. They are held by the provider's
-- ids, not by the local rows' ids, so a full resync (which stores the mail anew) keeps
-- them; they go with the mailbox when it is disconnected.
CREATE TABLE mail_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    provider_message_id TEXT,
    provider_thread_id TEXT,
    author_id BIGINT NOT NULL,
    text TEXT NOT NULL,
    is_todo BOOLEAN NOT NULL DEFAULT FALSE,
    due_at TIMESTAMP,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_notes_by_message ON mail_notes (account_id, provider_message_id);
CREATE INDEX mail_notes_by_thread ON mail_notes (account_id, provider_thread_id);
CREATE INDEX mail_notes_todos ON mail_notes (is_todo, done, due_at);
