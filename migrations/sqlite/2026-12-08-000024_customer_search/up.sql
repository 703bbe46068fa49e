-- The back office finds customers: newest first (by creation, then numeric id, which the
-- cursor names), by email prefix, by first or last name prefix without regard to case, and by
-- the id an earlier system gave them (kept on import). Prefixes are ranges over the key
-- columns, which an index serves.
ALTER TABLE accounts ADD COLUMN external_id TEXT;
ALTER TABLE accounts ADD COLUMN email_key TEXT GENERATED ALWAYS AS (email_normalized) VIRTUAL;
ALTER TABLE accounts ADD COLUMN first_name_key TEXT GENERATED ALWAYS AS (lower(first_name)) VIRTUAL;
ALTER TABLE accounts ADD COLUMN last_name_key TEXT GENERATED ALWAYS AS (lower(last_name)) VIRTUAL;
CREATE UNIQUE INDEX accounts_tenant_external_id_key ON accounts (tenant_id, external_id);
CREATE INDEX accounts_tenant_created_idx ON accounts (tenant_id, created_at, public_id);
CREATE INDEX accounts_tenant_email_key_idx ON accounts (tenant_id, email_key);
CREATE INDEX accounts_tenant_first_name_key_idx ON accounts (tenant_id, first_name_key);
CREATE INDEX accounts_tenant_last_name_key_idx ON accounts (tenant_id, last_name_key);
