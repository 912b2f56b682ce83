DROP TABLE mail_notes;
