-- Running sums kept in the same transaction as every post, so that reading a profile reads a
-- few rows whatever the ledger holds: per account, its order totals; per account, kind and last
-- day, what its wallet lots still hold (9999-12-31 for lots that never expire).
CREATE TABLE order_totals (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid),
    order_count BIGINT NOT NULL,
    successful BIGINT NOT NULL,
    spent BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_uuid)
);
INSERT INTO order_totals (tenant_id, account_uuid, order_count, successful, spent)
SELECT tenant_id, account_uuid, COUNT(*),
       SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'completed' THEN amount ELSE 0 END)
FROM orders
GROUP BY tenant_id, account_uuid;

CREATE TABLE wallet_days (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid),
    kind TEXT NOT NULL,
    expires_on DATE NOT NULL,
    remaining BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, account_uuid, kind, expires_on)
);
INSERT INTO wallet_days (tenant_id, account_uuid, kind, expires_on, remaining)
SELECT tenant_id, account_uuid, kind, COALESCE(expires_on, '9999-12-31'), SUM(remaining)
FROM wallet_entries
WHERE remaining > 0
GROUP BY tenant_id, account_uuid, kind, COALESCE(expires_on, '9999-12-31');
