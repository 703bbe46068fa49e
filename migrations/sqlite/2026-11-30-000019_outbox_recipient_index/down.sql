DROP INDEX outbox_recipient_recent;
