-- A phone number belongs to one account of a tenant (TSS shows and texts it; two-factor codes
-- go to it). Where two accounts held the same number before, the one created first keeps it and
-- the others' number is cleared (docs/operations.md, "Upgrading").
UPDATE accounts SET phone = NULL
WHERE phone IS NOT NULL AND EXISTS (
    SELECT 1 FROM accounts AS earlier
    WHERE earlier.tenant_id = accounts.tenant_id
      AND earlier.phone = accounts.phone
      AND (earlier.created_at < accounts.created_at
           OR (earlier.created_at = accounts.created_at AND earlier.uuid < accounts.uuid))
);
CREATE UNIQUE INDEX accounts_tenant_phone_key ON accounts (tenant_id, phone);
