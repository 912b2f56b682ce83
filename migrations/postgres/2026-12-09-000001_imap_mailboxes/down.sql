DROP TABLE mail_account_servers;
DELETE FROM mail_accounts WHERE provider = 'imap';
ALTER TABLE mail_accounts DROP CONSTRAINT mail_accounts_provider_check;
ALTER TABLE mail_accounts ADD CONSTRAINT mail_accounts_provider_check
    CHECK (provider IN ('google', 'microsoft'));
DELETE FROM mail_providers WHERE name = 'imap';
ALTER TABLE mail_providers DROP COLUMN imap_settings;
ALTER TABLE mail_providers DROP CONSTRAINT mail_providers_name_check;
ALTER TABLE mail_providers ADD CONSTRAINT mail_providers_name_check
    CHECK (name IN ('google', 'microsoft'));
