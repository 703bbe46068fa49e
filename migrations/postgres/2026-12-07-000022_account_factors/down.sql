ALTER TABLE accounts DROP COLUMN factors;
