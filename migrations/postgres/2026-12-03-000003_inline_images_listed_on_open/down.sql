ALTER TABLE mail_messages DROP COLUMN inline_pending;
