DROP TRIGGER sessions_announce_change ON sessions;
CREATE TRIGGER sessions_announce_change AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_principal_change();
DROP FUNCTION clientele_announce_session_change();
ALTER TABLE audit_log DROP COLUMN device;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN sign_in_method;
ALTER TABLE sessions DROP COLUMN ip;
ALTER TABLE sessions DROP COLUMN device;
