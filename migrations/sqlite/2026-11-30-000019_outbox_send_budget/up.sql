-- The per-recipient send limit: which budget a message drew on, and the index its count
-- reads (recipients compared without regard to case).
ALTER TABLE outbox ADD COLUMN send_class TEXT;
CREATE INDEX outbox_send_budget ON outbox (tenant_id, send_class, lower(recipient), created_at);
