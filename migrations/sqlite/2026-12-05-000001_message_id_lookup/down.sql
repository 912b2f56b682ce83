DROP INDEX mail_messages_message_id;
