-- Instances keep authenticated principals (a session with its account) in memory. Every change
-- of an account or a session is announced at commit to every instance listening on this
-- channel, with the account's UUID, so none of them serves what was changed.
CREATE FUNCTION clientele_announce_principal_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts' THEN
        PERFORM pg_notify('clientele_principals', OLD.uuid);
    ELSE
        PERFORM pg_notify('clientele_principals', OLD.account_uuid);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_announce_change AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_principal_change();
CREATE TRIGGER sessions_announce_change AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_principal_change();
