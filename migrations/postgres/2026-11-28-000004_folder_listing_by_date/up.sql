-- A folder's page, newest first, read straight off one index: each folder link carries
-- its message's date, so listing the inbox of a million-message mailbox walks 20 index
-- entries instead of collecting and sorting every member (measured in docs/benchmarks.md).
ALTER TABLE mail_message_folders ADD COLUMN received_at TIMESTAMP;
UPDATE mail_message_folders
SET received_at = mail_messages.received_at
FROM mail_messages
WHERE mail_messages.id = mail_message_folders.message_id;
CREATE INDEX mail_message_folders_date
    ON mail_message_folders (folder_id, received_at DESC, message_id DESC);
