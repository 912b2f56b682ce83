-- An Outlook message whose only files are images its HTML shows by `cid:` (a signature
-- logo; Graph's hasAttachments leaves them out) is synced without asking for its
-- attachment list; the list is read when the message is first opened, and this flag
-- says it has not been yet.
ALTER TABLE mail_messages ADD COLUMN inline_pending BOOLEAN NOT NULL DEFAULT FALSE;
