DROP TABLE mail_message_labels;
DROP TABLE mail_labels;
