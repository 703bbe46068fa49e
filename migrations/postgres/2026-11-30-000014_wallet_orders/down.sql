DROP TABLE orders;
DROP TABLE wallet_entries;
