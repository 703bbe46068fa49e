-- Every primary key, unique key and foreign key to an account led by the tenant, so that the
-- schema distributes by tenant_id on a distributed PostgreSQL (see docs/scaling.md). The ids
-- stay indexed on their own (not unique): lookups by id alone keep their plans.
ALTER TABLE sessions DROP CONSTRAINT sessions_account_uuid_fkey;
ALTER TABLE flows DROP CONSTRAINT flows_account_uuid_fkey;
ALTER TABLE deletion_requests DROP CONSTRAINT deletion_requests_account_uuid_fkey;
ALTER TABLE wallet_entries DROP CONSTRAINT wallet_entries_account_uuid_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_account_uuid_fkey;
ALTER TABLE order_totals DROP CONSTRAINT order_totals_account_uuid_fkey;
ALTER TABLE wallet_days DROP CONSTRAINT wallet_days_account_uuid_fkey;

ALTER TABLE accounts DROP CONSTRAINT accounts_pkey, ADD PRIMARY KEY (tenant_id, uuid);
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey, ADD PRIMARY KEY (tenant_id, uuid);
ALTER TABLE flows DROP CONSTRAINT flows_pkey, ADD PRIMARY KEY (tenant_id, uuid);
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey, ADD PRIMARY KEY (tenant_id, uuid);
ALTER TABLE deletion_requests DROP CONSTRAINT deletion_requests_pkey, ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (tenant_id, id);

CREATE INDEX accounts_uuid_idx ON accounts (uuid);
CREATE INDEX sessions_uuid_idx ON sessions (uuid);
CREATE INDEX flows_uuid_idx ON flows (uuid);
CREATE INDEX outbox_uuid_idx ON outbox (uuid);
CREATE INDEX deletion_requests_id_idx ON deletion_requests (id);
CREATE INDEX audit_log_id_idx ON audit_log (id);

ALTER TABLE sessions ADD CONSTRAINT sessions_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid) ON DELETE CASCADE;
ALTER TABLE flows ADD CONSTRAINT flows_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid) ON DELETE CASCADE;
ALTER TABLE deletion_requests ADD CONSTRAINT deletion_requests_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid);
ALTER TABLE wallet_entries ADD CONSTRAINT wallet_entries_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid);
ALTER TABLE orders ADD CONSTRAINT orders_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid);
ALTER TABLE order_totals ADD CONSTRAINT order_totals_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid);
ALTER TABLE wallet_days ADD CONSTRAINT wallet_days_account_fkey
    FOREIGN KEY (tenant_id, account_uuid) REFERENCES accounts (tenant_id, uuid);

DROP INDEX flows_one_open_per_purpose;
CREATE UNIQUE INDEX flows_one_open_per_purpose ON flows (tenant_id, account_uuid, purpose)
    WHERE status IN ('pending', 'locked');
