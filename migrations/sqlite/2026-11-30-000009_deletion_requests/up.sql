-- Requests to erase a closed account's personal data, waiting for the back office when the
-- tenant requires approval. They outlive the erasure (they are part of the audit trail).
CREATE TABLE deletion_requests (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    reason TEXT
);
CREATE INDEX deletion_requests_listing_idx ON deletion_requests (tenant_id, status, created_at);
CREATE INDEX deletion_requests_account_idx ON deletion_requests (account_uuid);
