-- Labels: Gmail's user labels (and its inbox categories) and Outlook's master categories,
-- per mailbox, with their colours. Gmail's user labels are folders too (mail_folders),
-- since Gmail lists mail by them; here they are what a message is tagged with. Outlook
-- tags messages by a category's name, Gmail by the label's id: provider_id is the id in
-- both (Gmail label id, Outlook category id) and name what Outlook's messages carry.
CREATE TABLE mail_labels (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- '#rrggbb' from the shared palette, or NULL for none.
    color TEXT,
    -- 'user' (yours to rename and delete) or 'system' (the provider's own).
    kind TEXT NOT NULL,
    UNIQUE (account_id, provider_id)
);

CREATE TABLE mail_message_labels (
    message_id BIGINT NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
    label_id BIGINT NOT NULL REFERENCES mail_labels (id) ON DELETE CASCADE,
    PRIMARY KEY (message_id, label_id)
);
CREATE INDEX mail_message_labels_label ON mail_message_labels (label_id, message_id);
