-- The last message to an account being erased keeps its address only until it is delivered
-- or given up; then recipient, subject and text are blanked as well.
ALTER TABLE outbox ADD COLUMN forget_recipient BOOLEAN NOT NULL DEFAULT FALSE;
