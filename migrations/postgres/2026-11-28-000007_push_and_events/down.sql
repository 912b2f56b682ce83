DROP TABLE mail_events;
DROP TABLE mail_push;
ALTER TABLE sync_jobs DROP COLUMN rerun;
