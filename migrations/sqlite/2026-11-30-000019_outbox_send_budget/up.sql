-- The per-recipient send limit: which budget a message drew on, and the recipient as the
-- limit counts it (folded to lower case by the service), with the index the count reads.
ALTER TABLE outbox ADD COLUMN send_class TEXT;
ALTER TABLE outbox ADD COLUMN recipient_key TEXT;
CREATE INDEX outbox_send_budget ON outbox (tenant_id, send_class, recipient_key, created_at);
