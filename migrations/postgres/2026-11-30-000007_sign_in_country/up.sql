-- Where a sign-in came from (a country code a trusted proxy reported), for the CL2C surface's
-- authLocation.
ALTER TABLE sessions ADD COLUMN country TEXT;
-- The latest live session of an account (authValidUpto, authLocation).
CREATE INDEX sessions_account_created_idx ON sessions (account_uuid, created_at);
