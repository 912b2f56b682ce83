-- The organisation's opt-out list (#25): addresses, or whole domains, that mail merge
-- never sends to, whoever runs the campaign. `entry` is lower-case: an address
-- (ann@example.com) or a domain written with its at sign (@example.com). Anyone may add
-- an entry (it only ever stops mail); an admin sees them all and removes them.
CREATE TABLE mail_opt_outs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entry TEXT NOT NULL UNIQUE,
    reason TEXT,
    created_by BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
