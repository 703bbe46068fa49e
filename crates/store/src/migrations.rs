use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Key of the PostgreSQL advisory lock that serialises migrations between instances starting
/// together on one database ("Clientel" in ASCII). Every version must keep this value.
const MIGRATION_LOCK: i64 = 0x436c_6965_6e74_656c;

/// Applies the pending migrations of the connection's backend; returns how many ran.
///
/// Several instances may start at once on one database, each migrating at start: one of them
/// migrates while the others wait, then find nothing pending. On PostgreSQL the wait is a
/// session-level advisory lock held by this connection for the run (released after it, or by
/// the server when the connection ends); on SQLite it is one `BEGIN IMMEDIATE` transaction
/// around the run, so the others wait up to `busy_timeout` for the write lock.
pub fn run_pending(connection: &mut DbConnection) -> Result<usize, String> {
    match connection {
        DbConnection::Pg(pg) => {
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let applied = pg.run_pending_migrations(POSTGRES).map(|v| v.len());
            let unlocked = pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let applied = applied.map_err(|e| e.to_string())?;
            // Returning an error makes the start fail and the process close this connection,
            // which releases the lock rather than leaving it with a pooled connection.
            unlocked.map_err(|e| format!("cannot release the migration lock: {e}"))?;
            Ok(applied)
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .immediate_transaction(|sqlite| sqlite.run_pending_migrations(SQLITE).map(|v| v.len()))
            .map_err(|e| e.to_string()),
    }
}
