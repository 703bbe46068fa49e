-- Back to announcing by NOTIFY.
CREATE OR REPLACE FUNCTION clientele_announce_principal_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts' THEN
        PERFORM pg_notify('clientele_principals', OLD.uuid);
    ELSE
        PERFORM pg_notify('clientele_principals', OLD.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_session_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'last_seen_at') = (to_jsonb(NEW) - 'last_seen_at') THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('clientele_principals', OLD.account_uuid);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_loyalty_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clientele_principals', 'loyalty:' || OLD.account_uuid);
    ELSE
        PERFORM pg_notify('clientele_principals', 'loyalty:' || NEW.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_tenant_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clientele_principals', 'tenant:' || OLD.id);
    ELSE
        PERFORM pg_notify('clientele_principals', 'tenant:' || NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_key_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clientele_principals', 'key:' || OLD.prefix);
    ELSIF (OLD.revoked_at, OLD.digest, OLD.tenant_id, OLD.prefix)
            IS DISTINCT FROM (NEW.revoked_at, NEW.digest, NEW.tenant_id, NEW.prefix) THEN
        PERFORM pg_notify('clientele_principals', 'key:' || OLD.prefix);
        PERFORM pg_notify('clientele_principals', 'key:' || NEW.prefix);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_email_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.purpose = 'email_change' THEN
            PERFORM pg_notify('clientele_principals', 'email:' || OLD.account_uuid);
        END IF;
    ELSIF NEW.purpose = 'email_change' THEN
        PERFORM pg_notify('clientele_principals', 'email:' || NEW.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION clientele_announce_endpoint_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clientele_principals', 'webhooks:' || OLD.tenant_id);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('clientele_principals', 'webhooks:' || NEW.tenant_id);
    ELSIF (OLD.events, OLD.disabled_at, OLD.tenant_id)
            IS DISTINCT FROM (NEW.events, NEW.disabled_at, NEW.tenant_id) THEN
        PERFORM pg_notify('clientele_principals', 'webhooks:' || OLD.tenant_id);
        PERFORM pg_notify('clientele_principals', 'webhooks:' || NEW.tenant_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TABLE memory_changes;
