-- A shared mailbox is shown to the NocoBase roles its owner chose (a JSON array of role
-- names), not to every signed-in user and API key. Rows shared before keep their level
-- but no roles: they are shown to nobody else until the owner chooses.
ALTER TABLE mail_accounts ADD COLUMN shared_with_roles TEXT;
-- The NocoBase roles that may connect mailboxes of a provider (a JSON array; none: any).
ALTER TABLE mail_providers ADD COLUMN connect_roles TEXT;
-- Google: the service account Cloud Pub/Sub signs Gmail push requests as.
ALTER TABLE mail_providers ADD COLUMN push_service_account TEXT;
