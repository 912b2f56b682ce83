DROP TABLE oauth_states;
DROP TABLE mail_account_tokens;
DROP TABLE mail_accounts;
