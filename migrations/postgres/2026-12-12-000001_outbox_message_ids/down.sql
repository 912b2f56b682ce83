ALTER TABLE mail_outbox DROP COLUMN rfc_message_id;
