ALTER TABLE audit_log DROP COLUMN device;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN sign_in_method;
ALTER TABLE sessions DROP COLUMN ip;
ALTER TABLE sessions DROP COLUMN device;
