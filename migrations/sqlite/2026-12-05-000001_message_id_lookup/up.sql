-- A draft made elsewhere names the message it answers only by Message-ID
-- (In-Reply-To); Graph needs that message's own id to keep the answer in its
-- conversation. Also what finds a message by Message-ID for linking mail to records.
CREATE INDEX mail_messages_message_id ON mail_messages (account_id, message_id_header);
