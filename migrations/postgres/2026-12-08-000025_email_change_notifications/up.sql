-- Instances hold each account's waiting email change in memory for the profile reads: every
-- change of an email-change flow is announced at commit on the principals' channel, so that no
-- instance shows one withdrawn, confirmed or ended, nor misses a new one.
CREATE FUNCTION clientele_announce_email_change() RETURNS trigger AS $$
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

CREATE TRIGGER flows_announce_email_change AFTER INSERT OR UPDATE OR DELETE ON flows
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_email_change();
