-- Where a customer connected from, for the audit trail (cleared when the account is erased).
ALTER TABLE audit_log ADD COLUMN client_address TEXT;
