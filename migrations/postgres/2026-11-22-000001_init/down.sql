DROP TABLE instance_secrets;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE tenants;
