DROP TABLE message_templates;
ALTER TABLE outbox DROP COLUMN language;
ALTER TABLE outbox DROP COLUMN reply_to;
ALTER TABLE outbox DROP COLUMN sender;
