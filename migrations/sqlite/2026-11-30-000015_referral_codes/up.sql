-- A referral code is the customer's own within the tenant.
CREATE UNIQUE INDEX accounts_tenant_referral_code_key ON accounts (tenant_id, referral_code);
