-- Back to the snippet for messages without a text body.
DELETE FROM mail_messages_fts WHERE rowid IN (
    SELECT id FROM mail_messages WHERE body_text IS NULL AND body_html IS NOT NULL
);
INSERT INTO mail_messages_fts (rowid, subject, body, addresses)
    SELECT id, subject, snippet, search_addresses FROM mail_messages
    WHERE body_text IS NULL AND body_html IS NOT NULL;
