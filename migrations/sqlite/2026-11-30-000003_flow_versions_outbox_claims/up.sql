-- A flow's version changes with every replace, consume, cancel or lock, so a write made on what
-- was read earlier (a stale secret racing a re-issue) fails instead of applying a stale change.
ALTER TABLE flows ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
-- The claim a delivery worker holds on a message: outcomes are written only under it, so a
-- worker whose lease lapsed cannot overwrite what the new claimant recorded.
ALTER TABLE outbox ADD COLUMN claim TEXT;
