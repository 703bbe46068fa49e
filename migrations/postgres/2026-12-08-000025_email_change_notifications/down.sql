DROP TRIGGER flows_announce_email_change ON flows;
DROP FUNCTION clientele_announce_email_change();
