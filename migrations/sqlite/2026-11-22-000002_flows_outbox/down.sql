DROP TABLE outbox;
DROP TABLE flows;
