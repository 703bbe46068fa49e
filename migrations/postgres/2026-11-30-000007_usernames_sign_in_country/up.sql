-- Where a sign-in came from (a country code a trusted proxy reported), for the CL2C surface's
-- authLocation.
ALTER TABLE sessions ADD COLUMN country TEXT;
-- Usernames are unique in a tenant. Accounts made before they were derived get one from their
-- address: its local part and the numeric id, unique since the id is.
UPDATE accounts SET username = split_part(email_normalized, '@', 1) || '_' || public_id
    WHERE username IS NULL AND email_normalized IS NOT NULL;
CREATE UNIQUE INDEX accounts_tenant_username_key ON accounts (tenant_id, username);
-- The latest live session of an account (authValidUpto, authLocation).
CREATE INDEX sessions_account_created_idx ON sessions (account_uuid, created_at);
