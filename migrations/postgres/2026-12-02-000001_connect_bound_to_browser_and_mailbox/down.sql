DROP INDEX mail_accounts_mailbox;
DROP INDEX mail_accounts_address;
ALTER TABLE mail_accounts ADD CONSTRAINT mail_accounts_provider_email_key UNIQUE (provider, email);
ALTER TABLE mail_accounts DROP COLUMN provider_user_id;
ALTER TABLE mail_providers DROP COLUMN allowed_tenants;
ALTER TABLE oauth_states DROP COLUMN browser_hash;
