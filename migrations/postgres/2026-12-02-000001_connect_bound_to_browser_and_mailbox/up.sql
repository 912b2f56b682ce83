-- A connect finishes only in the browser that started it: the hash of a random value
-- set as a cookie on the authorize answer, compared at the callback.
-- A mailbox is its provider's immutable user id (Google `sub`, Microsoft `<tid>/<oid>`),
-- not its address, which a Microsoft tenant's admins may set to anyone's. Accounts
-- connected before this have none until their next token refresh or reconnect fills it.
ALTER TABLE oauth_states ADD COLUMN browser_hash TEXT;
ALTER TABLE mail_providers ADD COLUMN allowed_tenants TEXT;
ALTER TABLE mail_accounts ADD COLUMN provider_user_id TEXT;
ALTER TABLE mail_accounts DROP CONSTRAINT mail_accounts_provider_email_key;
CREATE INDEX mail_accounts_address ON mail_accounts (provider, email);
CREATE UNIQUE INDEX mail_accounts_mailbox ON mail_accounts (provider, provider_user_id)
    WHERE provider_user_id IS NOT NULL;
