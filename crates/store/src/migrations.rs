use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Applies the pending migrations of the connection's backend; returns how many ran.
pub fn run_pending(connection: &mut DbConnection) -> Result<usize, String> {
    let applied = match connection {
        DbConnection::Pg(pg) => pg.run_pending_migrations(POSTGRES).map(|v| v.len()),
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(|v| v.len()),
    };
    applied.map_err(|e| e.to_string())
}
