-- A message without a text body (most mail is HTML only; a Graph message synced from
-- its delta page carries its HTML only) is searched by the words of its HTML: styles
-- and scripts taken out, then every tag, then the entities. Before, such a body was not
-- searched at all. Regenerates the column for every stored message.
DROP INDEX mail_messages_search;
ALTER TABLE mail_messages DROP COLUMN search;
ALTER TABLE mail_messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', subject || ' ' || coalesce(
        body_text,
        regexp_replace(
            regexp_replace(
                regexp_replace(coalesce(body_html, ''), '<(style|script).*?</(style|script)>', ' ', 'gi'),
                '<[^>]*>', ' ', 'g'),
            '&(nbsp|amp|lt|gt|quot|#39);', ' ', 'g'),
        ''
    ) || ' ' || search_addresses)
) STORED;
CREATE INDEX mail_messages_search ON mail_messages USING GIN (search);
