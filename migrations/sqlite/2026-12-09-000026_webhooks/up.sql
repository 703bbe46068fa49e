-- Webhooks: each tenant's endpoints, the events its commits announced (written in the same
-- transaction, one row per event), one delivery per event and endpoint, and each try of it.
-- A delivery's `seq` orders one customer's events to one endpoint as they were committed.
CREATE TABLE webhook_endpoints (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    uuid TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT,
    sealed_secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    failing_since TIMESTAMP,
    PRIMARY KEY (tenant_id, uuid)
);

CREATE TABLE webhook_events (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    account_uuid TEXT,
    event_type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- Found by id when a claimed delivery is sent, by account when the account is erased.
CREATE INDEX webhook_events_id_idx ON webhook_events (id);
CREATE INDEX webhook_events_account_idx ON webhook_events (tenant_id, account_uuid);

CREATE TABLE webhook_deliveries (
    tenant_id TEXT NOT NULL,
    uuid TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    endpoint_uuid TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    account_uuid TEXT,
    status TEXT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    window_from TIMESTAMP NOT NULL,
    claim TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    -- When it was delivered or abandoned (what the keeping counts from); NULL while pending.
    ended_at TIMESTAMP,
    PRIMARY KEY (tenant_id, uuid),
    FOREIGN KEY (tenant_id, endpoint_uuid) REFERENCES webhook_endpoints (tenant_id, uuid) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_order_idx
    ON webhook_deliveries (tenant_id, endpoint_uuid, account_uuid, status, seq);
CREATE INDEX webhook_deliveries_listing_idx ON webhook_deliveries (tenant_id, endpoint_uuid, created_at);
CREATE INDEX webhook_deliveries_uuid_idx ON webhook_deliveries (uuid);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (tenant_id, event_id);
CREATE INDEX webhook_deliveries_ended_idx ON webhook_deliveries (ended_at);

CREATE TABLE webhook_attempts (
    tenant_id TEXT NOT NULL,
    delivery_uuid TEXT NOT NULL,
    number INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (tenant_id, delivery_uuid, number),
    FOREIGN KEY (tenant_id, delivery_uuid) REFERENCES webhook_deliveries (tenant_id, uuid) ON DELETE CASCADE
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_uuid);

-- SQLite has one writer: the row id is the order deliveries were committed in.
CREATE TRIGGER webhook_deliveries_seq AFTER INSERT ON webhook_deliveries
BEGIN
    UPDATE webhook_deliveries SET seq = NEW.rowid WHERE rowid = NEW.rowid;
END;
