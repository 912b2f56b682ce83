DROP TRIGGER mail_messages_read;
DROP TRIGGER mail_message_folders_read;
DROP TRIGGER mail_message_folders_removed;
DROP TRIGGER mail_message_folders_added;
ALTER TABLE mail_message_folders DROP COLUMN is_read;
