-- A message without a text body (most mail is HTML only; a Graph message synced from
-- its delta page carries its HTML only) is searched by the words of its HTML; before,
-- only by its 200-character snippet. New messages are indexed with the HTML's words
-- (`store::messages::searchable_body`); the ones already stored are indexed again here
-- with their HTML as it is, since SQL cannot take the tags out: the tokenizer splits
-- at the angle brackets, so their words are found, with tag and style names beside them.
DELETE FROM mail_messages_fts WHERE rowid IN (
    SELECT id FROM mail_messages WHERE body_text IS NULL AND body_html IS NOT NULL
);
INSERT INTO mail_messages_fts (rowid, subject, body, addresses)
    SELECT id, subject, body_html, search_addresses FROM mail_messages
    WHERE body_text IS NULL AND body_html IS NOT NULL;
