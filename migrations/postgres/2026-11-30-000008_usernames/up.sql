-- Usernames are unique in a tenant. Accounts made before they were derived get one from their
-- address: its local part without a +tag, then _ and the numeric id (unique, as the id is). The
-- version moves on, so a write an instance prepared on the row as it was fails and is redone.
-- No running instance caches a username for authentication, so the backfill does not announce
-- each row to the principal listeners (a notification per account would flood the channel).
ALTER TABLE accounts DISABLE TRIGGER accounts_announce_change;
UPDATE accounts
SET username = split_part(split_part(email_normalized, '@', 1), '+', 1) || '_' || public_id,
    version = version + 1
WHERE username IS NULL AND email_normalized IS NOT NULL;
ALTER TABLE accounts ENABLE TRIGGER accounts_announce_change;
CREATE UNIQUE INDEX accounts_tenant_username_key ON accounts (tenant_id, username);
