DROP TABLE mail_campaign_recipients;
DROP TABLE mail_campaigns;
