-- Any mailbox by IMAP and SMTP (#26): a third provider, `imap`, whose row holds the admin's
-- rules for user-named servers (imap_settings, JSON: allowedHosts, allowPrivateNetworks,
-- allowPlaintext), and each IMAP mailbox's servers and sealed password.
ALTER TABLE mail_providers DROP CONSTRAINT mail_providers_name_check;
ALTER TABLE mail_providers ADD CONSTRAINT mail_providers_name_check
    CHECK (name IN ('google', 'microsoft', 'imap'));
ALTER TABLE mail_providers ADD COLUMN imap_settings TEXT;
INSERT INTO mail_providers (name) VALUES ('imap');
ALTER TABLE mail_accounts DROP CONSTRAINT mail_accounts_provider_check;
ALTER TABLE mail_accounts ADD CONSTRAINT mail_accounts_provider_check
    CHECK (provider IN ('google', 'microsoft', 'imap'));

-- An IMAP mailbox's servers as its user gave them, and its password (or app password)
-- sealed by the vault and bound to this row, as OAuth tokens are.
CREATE TABLE mail_account_servers (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    imap_host TEXT NOT NULL,
    imap_port INTEGER NOT NULL,
    imap_tls TEXT NOT NULL CHECK (imap_tls IN ('implicit', 'starttls', 'none')),
    smtp_host TEXT NOT NULL,
    smtp_port INTEGER NOT NULL,
    smtp_tls TEXT NOT NULL CHECK (smtp_tls IN ('implicit', 'starttls', 'none')),
    username TEXT NOT NULL,
    password_sealed TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
