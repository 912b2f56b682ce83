DROP INDEX mail_participants_address;
DROP INDEX mail_participants_domain;
CREATE INDEX mail_participants_address ON mail_participants (address, message_id);
CREATE INDEX mail_participants_domain ON mail_participants (domain, message_id);
