DROP INDEX accounts_tenant_phone_key;
