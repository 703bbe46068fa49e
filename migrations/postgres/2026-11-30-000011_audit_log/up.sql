-- The audit trail: what happened to an account, who did it, when, under which request. No
-- personal data, so entries outlive the account's erasure (no foreign key to accounts).
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    request_id TEXT,
    at TIMESTAMP NOT NULL,
    detail TEXT
);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant_id, at);
CREATE INDEX audit_log_account_at_idx ON audit_log (account_uuid, at);
