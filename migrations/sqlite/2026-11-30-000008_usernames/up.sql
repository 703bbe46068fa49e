-- Usernames are unique in a tenant. Accounts made before they were derived get one from their
-- address: its local part without a +tag, then _ and the numeric id (unique, as the id is). The
-- version moves on, so a write an instance prepared on the row as it was fails and is redone.
UPDATE accounts
SET username = substr(
        substr(email_normalized, 1, instr(email_normalized, '@') - 1),
        1,
        instr(substr(email_normalized, 1, instr(email_normalized, '@') - 1) || '+', '+') - 1
    ) || '_' || public_id,
    version = version + 1
WHERE username IS NULL AND email_normalized IS NOT NULL;
CREATE UNIQUE INDEX accounts_tenant_username_key ON accounts (tenant_id, username);
