-- Each message names the account it was written for, so that erasing an account scrubs its own
-- messages and never another customer's mail to an address it once used.
ALTER TABLE outbox ADD COLUMN account_uuid TEXT;
CREATE INDEX outbox_account_idx ON outbox (tenant_id, account_uuid);

-- Accounts erased before the 'erased' status existed were written 'deactivated' without an
-- address: they are erased, with the placeholder address erasure now writes.
UPDATE accounts
SET status = 'erased',
    email = replace(uuid, '-', '') || '@erased.invalid',
    email_normalized = replace(uuid, '-', '') || '@erased.invalid'
WHERE status = 'deactivated' AND email IS NULL;
