ALTER TABLE outbox DROP COLUMN forget_recipient;
