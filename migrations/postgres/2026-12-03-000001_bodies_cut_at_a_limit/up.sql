-- A body larger than the service stores (a 40 MB text sent as the mail itself) is kept
-- in part: its beginning, with this flag; `mailMessages:get` then reads it whole from
-- the provider.
ALTER TABLE mail_messages ADD COLUMN bodies_cut BOOLEAN NOT NULL DEFAULT FALSE;
