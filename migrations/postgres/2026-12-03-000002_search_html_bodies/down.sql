DROP INDEX mail_messages_search;
ALTER TABLE mail_messages DROP COLUMN search;
ALTER TABLE mail_messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', subject || ' ' || coalesce(body_text, '') || ' ' || search_addresses)
) STORED;
CREATE INDEX mail_messages_search ON mail_messages USING GIN (search);
