DROP INDEX outbox_send_budget;
ALTER TABLE outbox DROP COLUMN recipient_key;
ALTER TABLE outbox DROP COLUMN send_class;
