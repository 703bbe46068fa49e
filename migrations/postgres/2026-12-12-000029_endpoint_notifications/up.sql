-- Instances hold in memory what each tenant's enabled webhook endpoints receive, so that a
-- plain edit no endpoint receives is written as one statement. Every change of what an
-- endpoint receives (created, deleted, its events, disabled or enabled) is announced at
-- commit on the principals' channel. A delivery's bookkeeping (failure streak) announces
-- nothing.
CREATE FUNCTION clientele_announce_endpoint_change() RETURNS trigger AS $$
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

CREATE TRIGGER webhook_endpoints_announce_change AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_endpoint_change();
