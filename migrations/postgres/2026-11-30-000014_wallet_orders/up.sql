-- The loyalty ledger: credits are lots (remaining = what is left to spend; expires_on = the last
-- day they can be spent), debits have remaining 0. Amounts in hundredths. A reference is posted
-- once per account.
CREATE TABLE wallet_entries (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid),
    reference TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    remaining BIGINT NOT NULL,
    expires_on DATE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, account_uuid, reference)
);
-- Spendable lots of a kind, first to expire first.
CREATE INDEX wallet_entries_lots_idx ON wallet_entries (tenant_id, account_uuid, kind, expires_on);

CREATE TABLE orders (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid),
    reference TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    placed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, account_uuid, reference)
);
