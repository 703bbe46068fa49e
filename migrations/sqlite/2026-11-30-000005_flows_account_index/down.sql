DROP INDEX flows_account_idx;
