DROP TABLE mail_providers;
