-- Open flows are looked up, and cancelled, by account and purpose whatever their status list;
-- the partial unique index cannot serve a status given as a parameter, and deleting an account
-- cascades to its flows by account_uuid.
CREATE INDEX flows_account_idx ON flows (account_uuid, purpose);
