DROP INDEX outbox_send_budget;
ALTER TABLE outbox DROP COLUMN send_class;
