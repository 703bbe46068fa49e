use async_trait::async_trait;
use clientele_domain::ports::{InstanceSecrets, Readiness, StoreError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use diesel::sqlite::SqliteConnection;

use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::from_diesel;
use crate::schema::instance_secrets::dsl;
use crate::schema::{accounts, flows, outbox};

impl Database {
    /// Whether the database holds any account, flow or outbox row: start-up tells an
    /// installation of an earlier version (data, but no key check yet) from a new one.
    pub async fn holds_data(&self) -> Result<bool, StoreError> {
        with_connection(&self.pool, |conn| {
            let conn = &mut **conn;
            let any = |found: QueryResult<bool>| found.map_err(from_diesel);
            Ok(any(
                diesel::select(diesel::dsl::exists(accounts::table.select(accounts::uuid))).get_result(conn),
            )? || any(
                diesel::select(diesel::dsl::exists(flows::table.select(flows::uuid))).get_result(conn),
            )? || any(
                diesel::select(diesel::dsl::exists(outbox::table.select(outbox::uuid))).get_result(conn),
            )?)
        })
        .await
    }
}

#[derive(QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = Integer)]
    busy: i32,
}

/// Deletes the row so that its value is gone from the database's files, not only from its
/// tables (it may be key material): a plain DELETE leaves the bytes in a free page, the WAL or a
/// dead tuple until something happens to overwrite them.
fn delete_for_good(conn: &mut DbConnection, name: &str) -> Result<(), StoreError> {
    match conn {
        DbConnection::Sqlite(sqlite) => {
            // secure_delete zeroes the deleted cell (and any page it frees) in the new page
            // images; the checkpoint then writes them over the old ones in the database file and
            // truncates the WAL, which held the pages as they were.
            sqlite
                .batch_execute("PRAGMA secure_delete = ON")
                .map_err(from_diesel)?;
            let deleted = diesel::delete(dsl::instance_secrets.filter(dsl::name.eq(name)))
                .execute(sqlite)
                .map_err(from_diesel);
            let restored = sqlite
                .batch_execute("PRAGMA secure_delete = OFF")
                .map_err(from_diesel);
            if deleted? > 0 {
                checkpoint(sqlite)?;
            }
            restored
        }
        DbConnection::Pg(pg) => {
            let deleted = diesel::delete(dsl::instance_secrets.filter(dsl::name.eq(name)))
                .execute(pg)
                .map_err(from_diesel)?;
            if deleted > 0 {
                // VACUUM FULL (outside a transaction, as VACUUM must be) rewrites the table into
                // new files and drops the old ones; a plain VACUUM only marks the dead tuple's
                // space free and may leave its bytes in the page. The table holds a few short
                // rows, so the exclusive lock lasts a moment.
                pg.batch_execute("VACUUM FULL instance_secrets")
                    .map_err(from_diesel)?;
            }
            Ok(())
        }
    }
}

fn checkpoint(sqlite: &mut SqliteConnection) -> Result<(), StoreError> {
    let result = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .get_result::<Checkpoint>(sqlite)
        .map_err(from_diesel)?;
    if result.busy != 0 {
        // Another connection kept the WAL from being truncated: its old frames go when it is
        // next reset (at the latest when the last connection closes).
        tracing::warn!(
            "could not truncate the SQLite WAL after deleting a secret (the database is busy): \
             the deleted value may stay in the -wal file until every connection closes"
        );
    }
    Ok(())
}

#[async_trait]
impl InstanceSecrets for Database {
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
        let (name, candidate) = (name.to_owned(), candidate.to_owned());
        with_connection(&self.pool, move |conn| {
            // Insert-if-absent then read: two instances starting at once agree on one value
            // (the loser's insert hits the primary key and it reads the winner's).
            let inserted = match diesel::insert_into(dsl::instance_secrets)
                .values((dsl::name.eq(&name), dsl::value.eq(&candidate)))
                .execute(&mut **conn)
                .map_err(from_diesel)
            {
                Ok(_) => true,
                Err(StoreError::Duplicate(_)) => false,
                Err(other) => return Err(other),
            };
            let stored = dsl::instance_secrets
                .filter(dsl::name.eq(&name))
                .select(dsl::value)
                .first::<String>(&mut **conn)
                .map_err(from_diesel)?;
            Ok((stored, inserted))
        })
        .await
    }

    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        with_connection(&self.pool, move |conn| {
            dsl::instance_secrets
                .filter(dsl::name.eq(&name))
                .select(dsl::value)
                .first::<String>(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await
    }

    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_owned();
        with_connection(&self.pool, move |conn| delete_for_good(conn, &name)).await
    }
}

#[async_trait]
impl Readiness for Database {
    async fn ping(&self) -> Result<(), StoreError> {
        with_connection(&self.pool, |conn| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
                .get_result::<i32>(&mut **conn)
                .map_err(from_diesel)?;
            Ok(())
        })
        .await
    }
}
