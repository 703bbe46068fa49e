-- Timestamps are UTC without zone (the application converts); ids are text UUIDs so the same
-- diesel code serves PostgreSQL and SQLite.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
INSERT INTO tenants (id, name) VALUES ('default', 'Default tenant');

CREATE TABLE accounts (
    uuid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    public_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    email TEXT,
    email_normalized TEXT,
    email_confirmed BOOLEAN NOT NULL,
    email_temporary BOOLEAN NOT NULL,
    password_hash TEXT,
    two_factor BOOLEAN NOT NULL,
    username TEXT,
    nickname TEXT,
    first_name TEXT,
    middle_name TEXT,
    last_name TEXT,
    birthday TEXT,
    birthday_locked BOOLEAN NOT NULL,
    gender TEXT,
    phone TEXT,
    mobile TEXT,
    address TEXT NOT NULL,
    locale TEXT,
    push_token TEXT,
    wallet_address TEXT,
    subscriptions TEXT NOT NULL,
    referral_code TEXT,
    failed_sign_ins INTEGER NOT NULL,
    sign_in_locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT accounts_tenant_public_id_key UNIQUE (tenant_id, public_id),
    CONSTRAINT accounts_tenant_email_key UNIQUE (tenant_id, email_normalized)
);

CREATE TABLE sessions (
    uuid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    account_uuid TEXT NOT NULL REFERENCES accounts (uuid) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_account_idx ON sessions (account_uuid);

CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
