ALTER TABLE mail_accounts DROP COLUMN identities_checked_at;
ALTER TABLE mail_accounts DROP COLUMN identities;
