DROP INDEX sessions_account_created_idx;
ALTER TABLE sessions DROP COLUMN country;
