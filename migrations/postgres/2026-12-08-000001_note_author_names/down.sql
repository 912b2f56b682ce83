ALTER TABLE mail_notes DROP COLUMN author_name;
