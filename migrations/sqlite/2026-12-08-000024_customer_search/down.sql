DROP INDEX accounts_tenant_last_name_key_idx;
DROP INDEX accounts_tenant_first_name_key_idx;
DROP INDEX accounts_tenant_email_key_idx;
DROP INDEX accounts_tenant_created_idx;
DROP INDEX accounts_tenant_external_id_key;
ALTER TABLE accounts DROP COLUMN last_name_key;
ALTER TABLE accounts DROP COLUMN first_name_key;
ALTER TABLE accounts DROP COLUMN email_key;
ALTER TABLE accounts DROP COLUMN external_id;
