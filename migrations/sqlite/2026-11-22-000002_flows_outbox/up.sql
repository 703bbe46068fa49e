-- Flows of emailed or texted secrets: only a keyed digest of the secret is stored.
CREATE TABLE flows (
    uuid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    pending_change TEXT,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- At most one open flow per account and purpose, even under concurrent requests.
CREATE UNIQUE INDEX flows_one_open_per_purpose ON flows (account_uuid, purpose)
    WHERE status IN ('pending', 'locked');

-- The transactional outbox: bodies are sealed (encrypted) and erased once sent.
CREATE TABLE outbox (
    uuid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    sealed_body TEXT NOT NULL,
    masked_text TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_listing_idx ON outbox (tenant_id, created_at);
