DROP TRIGGER mail_messages_read ON mail_messages;
DROP FUNCTION mail_message_read();
DROP TRIGGER mail_message_folders_counts ON mail_message_folders;
DROP FUNCTION mail_folder_counts();
ALTER TABLE mail_message_folders DROP COLUMN is_read;
