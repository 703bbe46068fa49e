-- An account's authenticator apps and recovery-code digests, as JSON beside the account: one
-- version for both, so a factor used, added or removed is a version-checked account write.
-- Secrets inside are sealed or digested, never clear.
ALTER TABLE accounts ADD COLUMN factors TEXT NOT NULL DEFAULT '{}';
