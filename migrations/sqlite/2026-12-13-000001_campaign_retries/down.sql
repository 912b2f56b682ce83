ALTER TABLE mail_campaign_recipients DROP COLUMN retry_at;
ALTER TABLE mail_campaign_recipients DROP COLUMN attempts;
