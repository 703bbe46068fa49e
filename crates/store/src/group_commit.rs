//! SQLite's writes, committed in groups.
//!
//! SQLite has one writer at a time, and with `synchronous = FULL` every commit waits for the
//! disk: one `fsync` per transaction caps the writes a second, whatever the cores. Here the
//! write transactions of concurrent callers share one database transaction on one connection:
//! each caller's work runs in a savepoint of its own (so a failing one rolls back alone), and
//! the transaction commits once no other caller is waiting to join it (or it holds `BATCH`
//! works), one `fsync` for all of them. Each caller is answered only after that commit, so
//! nothing a caller was told succeeded can be lost; if the commit fails, every caller of the
//! group gets the error.

use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use diesel::connection::{AnsiTransactionManager, TransactionManager, TransactionManagerStatus};
use diesel::r2d2::ManageConnection;
use diesel::result::{DatabaseErrorKind, Error};
use diesel::Connection;

use crate::connection::{DbConnection, Manager};

/// Most works one commit carries: a bound on how long the first of them waits.
const BATCH: usize = 128;

type Committed = Result<(), String>;

#[derive(Default)]
struct Writer {
    /// The writing connection, opened at the first write (and again after a broken one).
    connection: Option<DbConnection>,
    /// The group whose transaction is open, and how many of its callers wait for its commit.
    open: Option<(u64, usize)>,
    members: usize,
    next: u64,
    /// Each committed group's outcome, until every caller waiting for it has read it.
    outcomes: HashMap<u64, (Committed, usize)>,
}

pub struct GroupCommit {
    manager: Manager,
    writer: Mutex<Writer>,
    committed: Condvar,
    /// Callers on their way to the writer: while there are some, the group stays open for them.
    arriving: AtomicUsize,
    /// Commits made, for the tests that check works are grouped.
    #[cfg(test)]
    commits: AtomicUsize,
}

type Sql = <DbConnection as Connection>::TransactionManager;

/// Whether the connection is still in the group's transaction and nothing deeper: a work that
/// left a savepoint open, or an error after which SQLite rolled the whole transaction back
/// (a full disk, say), ends the group. (diesel's `is_broken` says so of any open transaction,
/// which a group's connection has between works, so it cannot tell.)
fn in_group_transaction(connection: &mut DbConnection) -> bool {
    match Sql::transaction_manager_status_mut(connection) {
        TransactionManagerStatus::Valid(valid) => valid.transaction_depth().map(|d| d.get()) == Some(1),
        TransactionManagerStatus::InError => false,
    }
}

/// What a caller is answered: its work's outcome once the group committed, else the commit's
/// failure (whatever the work decided, it decided on state that is gone).
fn answer<T, E: From<Error>>(outcome: Result<T, E>, committed: Committed) -> Result<T, E> {
    match committed {
        Ok(()) => outcome,
        Err(message) => Err(unavailable(message).into()),
    }
}

fn unavailable(message: String) -> Error {
    Error::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message))
}

impl GroupCommit {
    pub fn new(manager: Manager) -> Self {
        GroupCommit {
            manager,
            writer: Mutex::new(Writer::default()),
            committed: Condvar::new(),
            arriving: AtomicUsize::new(0),
            #[cfg(test)]
            commits: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `work` in a write transaction shared with concurrent callers; returns once that
    /// transaction committed (or `work` failed, its savepoint rolled back).
    pub fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<Error>,
    {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut writer = self.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        let group = self.join(&mut writer)?;
        let connection = writer.connection.as_mut().expect("joined with a connection");
        // A savepoint of its own inside the group's transaction.
        let outcome = catch_unwind(AssertUnwindSafe(|| connection.transaction(work)));
        writer.members += 1;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(panic) => {
                // The savepoint is left open: drop the connection, which rolls the whole group
                // back, and tell its other callers so.
                writer.connection = None;
                self.close(&mut writer, Err("a write of the group panicked".into()));
                drop(writer);
                resume_unwind(panic);
            }
        };
        if !writer.connection.as_mut().is_some_and(in_group_transaction) {
            // Dropping the connection rolls back whatever is left of the group.
            writer.connection = None;
            let lost: Committed = Err("the write transaction was lost".into());
            self.close(&mut writer, lost.clone());
            return answer(outcome, lost);
        }
        if self.arriving.load(Ordering::SeqCst) == 0 || writer.members >= BATCH {
            let committed = self.commit(&mut writer);
            return answer(outcome, committed);
        }
        // Another caller is on its way in; the last one commits. Even a failed work waits: it
        // may have failed on what another work of the group wrote, which a read elsewhere sees
        // only after the commit (a retry must not run ahead of it).
        if let Some((_, waiting)) = writer.open.as_mut() {
            *waiting += 1;
        }
        loop {
            if let Some((committed, readers)) = writer.outcomes.get_mut(&group) {
                let committed = committed.clone();
                *readers -= 1;
                if *readers == 0 {
                    writer.outcomes.remove(&group);
                }
                return answer(outcome, committed);
            }
            writer = self.committed.wait(writer).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The open group, or a new one: its transaction begun on a connection that works.
    fn join(&self, writer: &mut Writer) -> Result<u64, Error> {
        if let Some((group, _)) = writer.open {
            return Ok(group);
        }
        if writer.connection.is_none() {
            let connection = self
                .manager
                .connect()
                .map_err(|e| unavailable(format!("cannot open the writing connection: {e}")))?;
            writer.connection = Some(connection);
        }
        let Some(DbConnection::Sqlite(sqlite)) = writer.connection.as_mut() else {
            unreachable!("group commit is for SQLite");
        };
        if let Err(error) = AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            writer.connection = None;
            return Err(error);
        }
        let group = writer.next;
        writer.next += 1;
        writer.open = Some((group, 0));
        writer.members = 0;
        Ok(group)
    }

    /// Commits the open group (rolls it back if the commit fails) and wakes its callers.
    fn commit(&self, writer: &mut Writer) -> Committed {
        #[cfg(test)]
        self.commits.fetch_add(1, Ordering::SeqCst);
        let committed = match writer.connection.as_mut() {
            Some(connection) => match Sql::commit_transaction(connection) {
                Ok(()) => Ok(()),
                Err(error) => {
                    // Rolled back by closing: the next group starts on a fresh connection.
                    writer.connection = None;
                    Err(format!("the write could not be committed: {error}"))
                }
            },
            None => Err("the writing connection was lost".into()),
        };
        self.close(writer, committed.clone());
        committed
    }

    fn close(&self, writer: &mut Writer, outcome: Committed) {
        if let Some((group, waiting)) = writer.open.take() {
            if waiting > 0 {
                writer.outcomes.insert(group, (outcome, waiting));
            }
        }
        writer.members = 0;
        self.committed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use diesel::connection::SimpleConnection;
    use diesel::RunQueryDsl;

    use super::*;
    use crate::connection::DatabaseUrl;
    use crate::test_queries::number;

    fn count(conn: &mut DbConnection, sql: &str) -> i64 {
        number(conn, sql).unwrap()
    }

    fn setup() -> (tempfile::TempDir, Arc<GroupCommit>, Manager) {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("g.db"));
        let manager = Manager::new(url.clone());
        manager
            .connect()
            .unwrap()
            .batch_execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
            .unwrap();
        (dir, Arc::new(GroupCommit::new(Manager::new(url))), manager)
    }

    fn insert(conn: &mut DbConnection, id: i64) -> Result<(), Error> {
        diesel::sql_query(format!("INSERT INTO t VALUES ({id})"))
            .execute(conn)
            .map(drop)
    }

    /// Many callers at once: every one answered Ok is stored, each failing one (a duplicate) is
    /// rolled back alone, and the answers come only after the commit (another connection sees
    /// the row as soon as its caller is answered).
    #[test]
    fn concurrent_writes_commit_together_and_fail_alone() {
        let (_dir, group, manager) = setup();
        let manager = Arc::new(manager);
        let threads = 32;
        let start = Arc::new(Barrier::new(threads));
        let workers: Vec<_> = (0..threads as i64)
            .map(|i| {
                let (group, start, manager) = (group.clone(), start.clone(), manager.clone());
                std::thread::spawn(move || {
                    let mut reader = manager.connect().unwrap();
                    start.wait();
                    let mut ok = 0;
                    for round in 0..20 {
                        let id = i * 100 + round;
                        // Every fifth work inserts twice: the second fails, and with it the work.
                        let result = group.run(|conn| {
                            insert(conn, id)?;
                            if round % 5 == 0 {
                                insert(conn, id)?;
                            }
                            Ok::<_, Error>(())
                        });
                        match result {
                            Ok(()) => {
                                ok += 1;
                                let seen = count(
                                    &mut reader,
                                    &format!("SELECT COUNT(*) AS n FROM t WHERE id = {id}"),
                                );
                                assert_eq!(seen, 1, "answered before its commit");
                            }
                            Err(_) => {
                                let seen = count(
                                    &mut reader,
                                    &format!("SELECT COUNT(*) AS n FROM t WHERE id = {id}"),
                                );
                                assert_eq!(seen, 0, "a failed work left a row");
                            }
                        }
                    }
                    ok
                })
            })
            .collect();
        let ok: i64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(ok, threads as i64 * 16);
        assert_eq!(
            count(&mut manager.connect().unwrap(), "SELECT COUNT(*) AS n FROM t"),
            ok
        );
        let commits = group.commits.load(Ordering::SeqCst);
        eprintln!("{} works in {commits} commits", threads * 20);
        assert!(commits < threads * 20, "no two works shared a commit");
    }

    #[test]
    fn a_panicking_work_takes_its_group_down_and_the_writer_goes_on() {
        let (_dir, group, manager) = setup();
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            group.run(|conn| -> Result<(), Error> {
                insert(conn, 1)?;
                panic!("a bug");
            })
        }));
        assert!(panicked.is_err());
        group.run(|conn| insert(conn, 2)).unwrap();
        assert_eq!(
            count(&mut manager.connect().unwrap(), "SELECT COUNT(*) AS n FROM t"),
            1
        );
        assert_eq!(
            count(
                &mut manager.connect().unwrap(),
                "SELECT COUNT(*) AS n FROM t WHERE id = 2"
            ),
            1
        );
    }

    /// A work that leaves its transaction state other than it found it (here a savepoint left
    /// open) ends the group: rolled back, the caller told, the next write on a fresh connection.
    #[test]
    fn a_work_that_leaves_a_savepoint_open_is_not_committed() {
        let (_dir, group, manager) = setup();
        let left_open = group.run(|conn| {
            insert(conn, 1)?;
            Sql::begin_transaction(conn)?;
            insert(conn, 2)
        });
        assert!(left_open.is_err());
        group.run(|conn| insert(conn, 3)).unwrap();
        assert_eq!(
            count(&mut manager.connect().unwrap(), "SELECT COUNT(*) AS n FROM t"),
            1
        );
    }

    #[test]
    fn nested_transactions_inside_a_work_are_savepoints() {
        let (_dir, group, manager) = setup();
        group
            .run(|conn| {
                insert(conn, 1)?;
                let inner: Result<(), Error> = crate::transaction::write_transaction(conn, |conn| {
                    insert(conn, 2)?;
                    Err(Error::RollbackTransaction)
                });
                assert!(inner.is_err());
                Ok::<_, Error>(())
            })
            .unwrap();
        assert_eq!(
            count(&mut manager.connect().unwrap(), "SELECT COUNT(*) AS n FROM t"),
            1
        );
    }
}
