ALTER TABLE mail_providers DROP COLUMN push_service_account;
ALTER TABLE mail_providers DROP COLUMN connect_roles;
ALTER TABLE mail_accounts DROP COLUMN shared_with_roles;
