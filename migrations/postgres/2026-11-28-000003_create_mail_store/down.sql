DROP TABLE sync_jobs;
DROP TABLE mail_sync_cursors;
DROP TABLE mail_attachments;
DROP TABLE mail_participants;
DROP TABLE mail_message_folders;
DROP TABLE mail_messages;
DROP TABLE mail_threads;
DROP TABLE mail_folders;
