-- Senders whose remote images a user chose to always show ("Show images" → "always for
-- this sender"). Per NocoBase user, whichever mailbox the mail came to.
CREATE TABLE mail_trusted_senders (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    address TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, address)
);
