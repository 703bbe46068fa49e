DROP TRIGGER sessions_announce_change ON sessions;
DROP TRIGGER accounts_announce_change ON accounts;
DROP FUNCTION clientele_announce_principal_change();
