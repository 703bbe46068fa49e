-- What a customer sees of their sessions: the device and masked address a sign-in came from,
-- how it was proven ('unknown' for sessions opened before this was kept), and when the session
-- was last used (written at most once a minute).
-- Audit entries name the device too, for the customer's own activity list.
ALTER TABLE sessions ADD COLUMN device TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE audit_log ADD COLUMN device TEXT;
