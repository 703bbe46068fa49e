-- What a customer sees of their sessions: the device and masked address a sign-in came from,
-- how it was proven, and when the session was last used (written at most once a minute).
-- Audit entries name the device too, for the customer's own activity list.
ALTER TABLE sessions ADD COLUMN device TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE audit_log ADD COLUMN device TEXT;

-- A session's last use changes nothing an instance holds in memory for it: only a change of
-- what decides whether it is live is announced.
DROP TRIGGER sessions_announce_change ON sessions;
CREATE TRIGGER sessions_announce_change
    AFTER UPDATE OF revoked_at, expires_at, tenant_id, account_uuid, uuid OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION clientele_announce_principal_change();
