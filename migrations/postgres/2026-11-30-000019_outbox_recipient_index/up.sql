-- The send limit counts a recipient's recent messages.
CREATE INDEX outbox_recipient_recent ON outbox (tenant_id, recipient, created_at);
