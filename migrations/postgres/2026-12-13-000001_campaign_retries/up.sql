-- A campaign send the provider turned away for now (throttled, unreachable) did not go:
-- its recipient waits and is handed over again later, up to a few times, instead of
-- being failed. `attempts` counts those hand-overs; `retry_at` is when it may go again.
ALTER TABLE mail_campaign_recipients ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mail_campaign_recipients ADD COLUMN retry_at TIMESTAMP;
