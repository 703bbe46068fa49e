DROP TABLE api_keys;
ALTER TABLE tenants DROP COLUMN settings;
