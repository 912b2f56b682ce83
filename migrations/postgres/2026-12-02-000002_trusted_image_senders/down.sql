DROP TABLE mail_trusted_senders;
