DROP TRIGGER api_keys_announce_change ON api_keys;
DROP FUNCTION clientele_announce_key_change();
DROP TRIGGER tenants_announce_change ON tenants;
DROP FUNCTION clientele_announce_tenant_change();
DROP TRIGGER order_totals_announce_change ON order_totals;
DROP TRIGGER wallet_days_announce_change ON wallet_days;
DROP FUNCTION clientele_announce_loyalty_change();
