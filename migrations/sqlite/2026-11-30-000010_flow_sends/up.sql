-- How many times a flow's secret was sent (asking again sends another) and when last: a
-- repeated request inside the resend cooldown sends nothing.
ALTER TABLE flows ADD COLUMN sent INTEGER NOT NULL DEFAULT 1;
ALTER TABLE flows ADD COLUMN sent_at TIMESTAMP;
UPDATE flows SET sent_at = updated_at;
