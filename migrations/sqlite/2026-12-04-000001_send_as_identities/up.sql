-- The addresses a mailbox may send as (Gmail send-as aliases; Microsoft proxy
-- addresses), as the provider last listed them: a JSON array of {address, name,
-- signature, isDefault}. Read at the first sync and again every few hours.
ALTER TABLE mail_accounts ADD COLUMN identities TEXT;
ALTER TABLE mail_accounts ADD COLUMN identities_checked_at TIMESTAMP;
