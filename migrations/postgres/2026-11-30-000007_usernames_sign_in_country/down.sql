DROP INDEX sessions_account_created_idx;
DROP INDEX accounts_tenant_username_key;
ALTER TABLE sessions DROP COLUMN country;
