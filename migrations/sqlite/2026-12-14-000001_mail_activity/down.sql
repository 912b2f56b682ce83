DROP TABLE mail_activity_readers;
DROP TABLE mail_activity;
