DROP INDEX webhook_events_created_idx;
DROP INDEX webhook_endpoints_uuid_idx;
