//! Transactions that write.
//!
//! SQLite's plain `BEGIN` is `DEFERRED`: the transaction takes the write lock only at its first
//! write. When another connection holds that lock by then, SQLite cannot wait for it (our
//! snapshot might be stale after the wait), so it returns `SQLITE_BUSY` ("database is locked")
//! at once and `busy_timeout` never applies. `BEGIN IMMEDIATE` takes the write lock up front,
//! where waiting is safe, so `busy_timeout` does apply. PostgreSQL needs nothing of the kind.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::Connection;

use crate::connection::DbConnection;

/// Runs `work` in a transaction meant to write: `BEGIN IMMEDIATE` on SQLite, an ordinary
/// `BEGIN` on PostgreSQL. Commits when `work` returns `Ok`, rolls back when it returns `Err`.
///
/// Inside a transaction already open on `conn`, it opens a savepoint like
/// [`Connection::transaction`]; the lock mode is then the outer transaction's, so start the
/// outermost transaction with this function whenever anything in it writes.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    // Inside an open transaction diesel refuses a second `BEGIN` (and runs nothing): nest with a
    // savepoint instead. The derived transaction manager of `DbConnection` delegates to the
    // inner connection's `AnsiTransactionManager`, whose state lives in the inner connection:
    // beginning there is beginning for `DbConnection` too, and the commit or rollback below (the
    // same steps as diesel's `TransactionManager::transaction`) closes it.
    match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
        Ok(()) => {}
        Err(diesel::result::Error::AlreadyInTransaction) => return conn.transaction(work),
        Err(error) => return Err(error.into()),
    }
    type Manager = <DbConnection as Connection>::TransactionManager;
    match work(&mut *conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

impl DbConnection {
    /// [`write_transaction`] as a method, so a call site reads `conn.write_transaction(|conn| …)`
    /// like diesel's `conn.transaction(|conn| …)`, pooled connections included.
    pub fn write_transaction<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        write_transaction(self, work)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    use diesel::connection::SimpleConnection;
    use diesel::r2d2::ManageConnection;
    use diesel::RunQueryDsl;

    use super::*;
    use crate::connection::{DatabaseUrl, Manager};
    use crate::test_queries::number;

    fn read(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
        number(conn, "SELECT n FROM counter")
    }

    fn write(conn: &mut DbConnection, n: i64) -> diesel::QueryResult<()> {
        diesel::sql_query(format!("UPDATE counter SET n = {n}")).execute(conn)?;
        Ok(())
    }

    fn connect(manager: &Manager) -> DbConnection {
        manager.connect().expect("connecting")
    }

    fn sqlite() -> (tempfile::TempDir, Manager) {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager::new(DatabaseUrl::Sqlite(dir.path().join("t.db")));
        connect(&manager)
            .batch_execute("CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter VALUES (0);")
            .unwrap();
        (dir, manager)
    }

    /// Two connections each read the counter, pause, and write it back incremented. A deferred
    /// transaction would let both read, and the second writer would get "database is locked"
    /// at once (busy_timeout cannot help a reader that wants to become a writer); immediate
    /// transactions queue up behind the write lock, so both succeed and no increment is lost.
    #[test]
    fn concurrent_read_then_write_transactions_wait_for_each_other_on_sqlite() {
        let (_dir, manager) = sqlite();
        let manager = Arc::new(manager);
        let start = Arc::new(Barrier::new(2));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (manager, start) = (manager.clone(), start.clone());
                std::thread::spawn(move || {
                    let mut conn = connect(&manager);
                    start.wait();
                    write_transaction(&mut conn, |conn| {
                        let n = read(conn)?;
                        std::thread::sleep(Duration::from_millis(300));
                        write(conn, n + 1)
                    })
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap().expect("both transactions commit");
        }
        assert_eq!(read(&mut connect(&manager)).unwrap(), 2);
    }

    fn nests_with_savepoints(manager: &Manager) {
        let mut conn = connect(manager);
        write_transaction(&mut conn, |conn| {
            write(conn, 1)?;
            let inner: Result<(), diesel::result::Error> = write_transaction(conn, |conn| {
                write(conn, 5)?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            assert_eq!(
                read(conn)?,
                1,
                "the failed inner transaction is rolled back alone"
            );
            write_transaction(conn, |conn| write(conn, 2))
        })
        .unwrap();
        assert_eq!(read(&mut conn).unwrap(), 2);

        let failed: Result<(), diesel::result::Error> = write_transaction(&mut conn, |conn| {
            write(conn, 9)?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert_eq!(
            read(&mut conn).unwrap(),
            2,
            "an error rolls the whole transaction back"
        );
        // The connection is usable afterwards: no transaction left open.
        write_transaction(&mut conn, |conn| write(conn, 3)).unwrap();
        assert_eq!(read(&mut conn).unwrap(), 3);
    }

    #[test]
    fn nested_write_transactions_use_savepoints_on_sqlite() {
        let (_dir, manager) = sqlite();
        nests_with_savepoints(&manager);
    }

    #[test]
    fn nested_write_transactions_use_savepoints_on_postgres() {
        let Some(db) = clientele_testkit::postgres_database() else {
            return;
        };
        let manager = Manager::new(DatabaseUrl::Postgres(db.url().to_owned()));
        connect(&manager)
            .batch_execute("CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter VALUES (0);")
            .unwrap();
        nests_with_savepoints(&manager);
    }
}
