-- The per-recipient send limit: which budget a message drew on, and the index its count
-- reads (recipients compared without regard to case). IF NOT EXISTS: on a large outbox an
-- operator may create both beforehand without blocking writes (see docs/operations.md).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS send_class TEXT;
CREATE INDEX IF NOT EXISTS outbox_send_budget ON outbox (tenant_id, send_class, lower(recipient), created_at);
