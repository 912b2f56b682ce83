-- The OAuth apps the admin registered at Google and Microsoft. The set of providers is
-- fixed, so both rows exist from the start and the API only ever updates them.
CREATE TABLE mail_providers (
    name TEXT PRIMARY KEY NOT NULL CHECK (name IN ('google', 'microsoft')),
    client_id TEXT NOT NULL DEFAULT '',
    -- Sealed by the vault (AES-256-GCM, bound to this row); never plain text.
    client_secret_sealed TEXT,
    tenant TEXT,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    pubsub_topic TEXT,
    push_audience TEXT,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO mail_providers (name, tenant) VALUES ('google', NULL), ('microsoft', 'common');
