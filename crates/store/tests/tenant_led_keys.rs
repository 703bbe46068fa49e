//! On PostgreSQL the schema distributes by tenant: every primary key and unique index of a
//! tenant's data is led by `tenant_id`, and every foreign key to an account names the tenant.
//! `tenants`, `instance_secrets` and `api_keys` (found by prefix before the tenant is known)
//! are small reference tables, replicated whole on a distributed PostgreSQL.

use clientele_store::Database;
use diesel::prelude::*;
use diesel::sql_types::Text;

const REFERENCE_TABLES: &[&str] = &[
    "tenants",
    "instance_secrets",
    "api_keys",
    "__diesel_schema_migrations",
];

#[derive(QueryableByName, Debug)]
struct Key {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    key_name: String,
    #[diesel(sql_type = Text)]
    first_column: String,
}

#[tokio::test]
async fn every_key_of_a_tenants_data_is_led_by_the_tenant() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    Database::open(db.url()).await.unwrap();
    let mut conn = PgConnection::establish(db.url()).unwrap();
    // Primary keys and unique indexes (constraints or not), with their first column.
    let unique: Vec<Key> = diesel::sql_query(
        "SELECT t.relname::text AS table_name, i.relname::text AS key_name, a.attname::text AS first_column \
         FROM pg_index x \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] \
         WHERE x.indisunique",
    )
    .load(&mut conn)
    .unwrap();
    assert!(unique.len() > 10, "{unique:?}");
    for key in unique
        .iter()
        .filter(|k| !REFERENCE_TABLES.contains(&k.table_name.as_str()))
    {
        let (table, name) = (&key.table_name, &key.key_name);
        assert_eq!(key.first_column, "tenant_id", "{name} on {table}");
    }
    // Foreign keys to accounts.
    let to_accounts: Vec<Key> = diesel::sql_query(
        "SELECT c.conrelid::regclass::text AS table_name, c.conname::text AS key_name, \
                a.attname::text AS first_column \
         FROM pg_constraint c \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.contype = 'f' AND c.confrelid = 'accounts'::regclass",
    )
    .load(&mut conn)
    .unwrap();
    assert!(to_accounts.len() >= 7, "{to_accounts:?}");
    for key in &to_accounts {
        let (table, name) = (&key.table_name, &key.key_name);
        assert_eq!(key.first_column, "tenant_id", "{name} on {table}");
    }
}
