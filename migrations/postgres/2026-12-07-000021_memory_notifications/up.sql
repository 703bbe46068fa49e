-- Instances also keep in memory what the hot reads need besides principals: each account's
-- loyalty totals, tenants with their settings, and API keys. Every change of them is announced
-- at commit on the principals' channel, marked with what changed, so that no instance serves
-- it stale. (A key's last use is bookkeeping and announces nothing.)
CREATE FUNCTION clientele_announce_loyalty_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clientele_principals', 'loyalty:' || OLD.account_uuid);
    ELSE
        PERFORM pg_notify('clientele_principals', 'loyalty:' || NEW.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER wallet_days_announce_change AFTER INSERT OR UPDATE OR DELETE ON wallet_days
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_loyalty_change();
CREATE TRIGGER order_totals_announce_change AFTER INSERT OR UPDATE OR DELETE ON order_totals
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_loyalty_change();

CREATE FUNCTION clientele_announce_tenant_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('clientele_principals', 'tenant:' || OLD.id);
    ELSE
        PERFORM pg_notify('clientele_principals', 'tenant:' || NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenants_announce_change AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_tenant_change();

CREATE FUNCTION clientele_announce_key_change() RETURNS trigger AS $$
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

CREATE TRIGGER api_keys_announce_change AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_key_change();
