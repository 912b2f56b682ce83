DROP TABLE mail_templates;
DROP TABLE mail_signatures;
