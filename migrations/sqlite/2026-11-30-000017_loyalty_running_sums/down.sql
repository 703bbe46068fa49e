DROP TABLE wallet_days;
DROP TABLE order_totals;
