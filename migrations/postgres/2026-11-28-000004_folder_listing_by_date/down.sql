DROP INDEX mail_message_folders_date;
ALTER TABLE mail_message_folders DROP COLUMN received_at;
