-- The per-recipient send limit: which budget a message drew on, and the recipient as the
-- limit counts it (folded to lower case by the service), with the index the count reads.
-- IF NOT EXISTS: on a large outbox an operator may create them beforehand (see
-- docs/operations.md).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS send_class TEXT;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS recipient_key TEXT;
CREATE INDEX IF NOT EXISTS outbox_send_budget ON outbox (tenant_id, send_class, recipient_key, created_at);
