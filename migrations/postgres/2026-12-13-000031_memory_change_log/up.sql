-- What instances hold in memory was announced by NOTIFY from the changing transaction.
-- PostgreSQL commits notifying transactions one at a time (a lock held through the commit's
-- flush to disk), so every account write waited for every other. Each change is now a row of
-- this log instead, written by the same triggers in the same transaction (each inserts its
-- rows itself: PL/pgSQL keeps the statement's plan for the session): it commits with the
-- change, or not at all. Every instance reads the rows of the transactions committed since its
-- last read (by their transaction IDs and its snapshots) and prunes rows older than any
-- instance still needs. Unlogged: after a crash every instance reconnects and starts over.
-- An instance of an earlier version still running would go on listening on the channel, which
-- carries nothing from now on, and serve from memory what other instances change: refuse.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_stat_activity
               WHERE application_name = 'clientele-principal-listener'
                 AND datname = current_database()) THEN
        RAISE EXCEPTION 'instances of an earlier Clientele version are connected to this database (application_name clientele-principal-listener): stop them before this version migrates (migration 000031, see docs/operations.md)';
    END IF;
END;
$$;

CREATE UNLOGGED TABLE memory_changes (
    xid BIGINT NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    payload TEXT NOT NULL
);
CREATE INDEX memory_changes_by_xid ON memory_changes (xid);


-- An update of an account to a later version is logged with it (`<uuid>@<version>`): an
-- instance that holds that version or a later one (the one that wrote it) holds the change.
CREATE OR REPLACE FUNCTION clientele_announce_principal_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts' AND TG_OP = 'UPDATE' AND NEW.uuid = OLD.uuid
            AND NEW.version > OLD.version THEN
        INSERT INTO memory_changes (payload) VALUES (OLD.uuid || '@' || NEW.version);
    ELSIF TG_TABLE_NAME = 'accounts' THEN
        INSERT INTO memory_changes (payload) VALUES (OLD.uuid);
    ELSE
        INSERT INTO memory_changes (payload) VALUES (OLD.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_session_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'last_seen_at') = (to_jsonb(NEW) - 'last_seen_at') THEN
        RETURN NULL;
    END IF;
    INSERT INTO memory_changes (payload) VALUES (OLD.account_uuid);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_loyalty_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO memory_changes (payload) VALUES ('loyalty:' || OLD.account_uuid);
    ELSE
        INSERT INTO memory_changes (payload) VALUES ('loyalty:' || NEW.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_tenant_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO memory_changes (payload) VALUES ('tenant:' || OLD.id);
    ELSE
        INSERT INTO memory_changes (payload) VALUES ('tenant:' || NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_key_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO memory_changes (payload) VALUES ('key:' || OLD.prefix);
    ELSIF (OLD.revoked_at, OLD.digest, OLD.tenant_id, OLD.prefix)
            IS DISTINCT FROM (NEW.revoked_at, NEW.digest, NEW.tenant_id, NEW.prefix) THEN
        INSERT INTO memory_changes (payload) VALUES ('key:' || OLD.prefix);
        INSERT INTO memory_changes (payload) VALUES ('key:' || NEW.prefix);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_email_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.purpose = 'email_change' THEN
            INSERT INTO memory_changes (payload) VALUES ('email:' || OLD.account_uuid);
        END IF;
    ELSIF NEW.purpose = 'email_change' THEN
        INSERT INTO memory_changes (payload) VALUES ('email:' || NEW.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_endpoint_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO memory_changes (payload) VALUES ('webhooks:' || OLD.tenant_id);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO memory_changes (payload) VALUES ('webhooks:' || NEW.tenant_id);
    ELSIF (OLD.events, OLD.disabled_at, OLD.tenant_id)
            IS DISTINCT FROM (NEW.events, NEW.disabled_at, NEW.tenant_id) THEN
        INSERT INTO memory_changes (payload) VALUES ('webhooks:' || OLD.tenant_id);
        INSERT INTO memory_changes (payload) VALUES ('webhooks:' || NEW.tenant_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
