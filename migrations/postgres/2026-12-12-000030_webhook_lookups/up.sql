-- The delivery worker reads the endpoints of the deliveries it claimed by their ids, and the
-- pruning finds events older than the keeping that no delivery names any more: both by index.
CREATE INDEX webhook_endpoints_uuid_idx ON webhook_endpoints (uuid);
CREATE INDEX webhook_events_created_idx ON webhook_events (created_at);
