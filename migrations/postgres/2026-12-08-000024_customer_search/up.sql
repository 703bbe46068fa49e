-- The back office finds customers: newest first (by creation, then numeric id, which the
-- cursor names), by email prefix, by first or last name prefix without regard to case, and by
-- the id an earlier system gave them (kept on import). Prefixes are ranges over the key
-- columns, which the service writes with every account (lower-cased as Rust does, so that a
-- name is found the same on every store; an erased account has none). They compare byte by
-- byte (COLLATE "C") so that, whatever the database's collation, a range is exactly a prefix
-- and an index serves it.
ALTER TABLE accounts ADD COLUMN external_id TEXT;
ALTER TABLE accounts ADD COLUMN email_key TEXT COLLATE "C";
ALTER TABLE accounts ADD COLUMN first_name_key TEXT COLLATE "C";
ALTER TABLE accounts ADD COLUMN last_name_key TEXT COLLATE "C";
UPDATE accounts SET email_key = CASE WHEN status <> 'erased' THEN email_normalized END,
    first_name_key = lower(first_name), last_name_key = lower(last_name);
CREATE UNIQUE INDEX accounts_tenant_external_id_key ON accounts (tenant_id, external_id);
CREATE INDEX accounts_tenant_created_idx ON accounts (tenant_id, created_at, public_id);
CREATE INDEX accounts_tenant_email_key_idx ON accounts (tenant_id, email_key);
CREATE INDEX accounts_tenant_first_name_key_idx ON accounts (tenant_id, first_name_key);
CREATE INDEX accounts_tenant_last_name_key_idx ON accounts (tenant_id, last_name_key);
