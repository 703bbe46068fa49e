-- PostgreSQL announces every change of an email-change flow to the other instances; SQLite has
-- one server, which forgets what it writes itself. Nothing to do here: the migration keeps both
-- stores' histories alike.
SELECT 1;
