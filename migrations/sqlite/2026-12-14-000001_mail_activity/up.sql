-- What arrived in each mailbox, a row a message (#25): the feed NocoBase's workflow
-- triggers "Email received" and "Email sent" read. The row is written in the transaction
-- that first stores the message, so a message is here once however it came (push, poll,
-- any replica's sync). `identity` is a hash of the kind and the Message-ID (the provider's
-- id when there is none): a message listed again under a new id (a full resync, a move
-- in Outlook) meets its row and is not news twice. Rows live as long as the mailbox, to
-- remember identities, and hold no mail content: `message_id` points at the stored
-- message (null while it is gone, filled again when it comes back).
CREATE TABLE mail_activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES mail_messages (id) ON DELETE SET NULL,
    identity TEXT NOT NULL,
    -- received | sent
    kind TEXT NOT NULL,
    -- Stored by a mailbox's first import (or a full resync), not as new mail.
    first_import BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, identity)
);
CREATE INDEX mail_activity_message ON mail_activity (message_id);

-- Where each reader of the feed (a workflow, named by the plugin) stands: the id of the
-- last row it has taken. Readers are a user's own; a new one starts at the feed's end.
CREATE TABLE mail_activity_readers (
    user_id BIGINT NOT NULL,
    reader TEXT NOT NULL,
    position BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, reader)
);
