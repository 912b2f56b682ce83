ALTER TABLE mail_messages DROP COLUMN bodies_cut;
