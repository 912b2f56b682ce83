-- The Message-ID a send's message carries, so a send whose process stopped while the
-- provider had it can be looked up there (Gmail: `rfc822msgid:` in Sent) and settled as
-- sent, or sent again when it never arrived, instead of staying "unknown". NULL once
-- nothing more can be learned.
ALTER TABLE mail_outbox ADD COLUMN rfc_message_id TEXT;
