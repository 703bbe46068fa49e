UPDATE accounts SET status = 'deactivated', email = NULL, email_normalized = NULL
WHERE status = 'erased';
DROP INDEX outbox_account_idx;
ALTER TABLE outbox DROP COLUMN account_uuid;
