-- What a customer sees of their sessions: the device and masked address a sign-in came from,
-- how it was proven ('unknown' for sessions opened before this was kept), and when the session
-- was last used (written at most once a minute). Audit entries name the device too, for the
-- customer's own activity list.
ALTER TABLE sessions ADD COLUMN device TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE audit_log ADD COLUMN device TEXT;

-- A session's last use is bookkeeping that no instance holds a principal for: an update that
-- changes nothing else is not announced; any other change of a session still is.
CREATE FUNCTION clientele_announce_session_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'last_seen_at') = (to_jsonb(NEW) - 'last_seen_at') THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('clientele_principals', OLD.account_uuid);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER sessions_announce_change ON sessions;
CREATE TRIGGER sessions_announce_change AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_session_change();
