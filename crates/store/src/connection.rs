//! One connection type for both backends, and a pool manager that picks the backend from the
//! URL's scheme instead of letting diesel guess.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// `postgres://…` / `postgresql://…`, or `sqlite://PATH` (relative or, with a third slash,
/// absolute).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        match url.strip_prefix("sqlite://") {
            Some("") => Err("sqlite:// needs a file path, e.g. sqlite://data/clientele.db".into()),
            Some(path) => Ok(DatabaseUrl::Sqlite(PathBuf::from(path))),
            None => Err("the database URL must start with postgres://, postgresql:// or sqlite://".into()),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        }
    }
}

// The URL may carry a password: never print it.
impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Postgres(_) => f.write_str("DatabaseUrl::Postgres(***)"),
            DatabaseUrl::Sqlite(path) => write!(f, "DatabaseUrl::Sqlite({})", path.display()),
        }
    }
}

/// SQLite settings for a server: waiting for the write lock instead of failing at once (first,
/// so that switching a fresh file to WAL also waits when instances start together), concurrent
/// readers alongside one writer (WAL), every commit flushed to disk before it returns (`FULL`:
/// with `NORMAL` a consumed secret or a sent message could come back after a power loss), and
/// enforced foreign keys. What `FULL` costs: docs/performance.md.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
    PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// The URL with libpq's timeouts for a connection that must notice a silent peer: a connect
/// that hangs, and a TCP connection that stops answering, fail within seconds instead of the
/// system's minutes. (The change follower's lease has silenced memory long before; a pooled connection's
/// request fails with a 503 instead of hanging, with an edit's turn of its account.)
pub(crate) fn with_timeouts(url: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{separator}connect_timeout=5&keepalives=1&keepalives_idle=5&keepalives_interval=2&\
         keepalives_count=2&tcp_user_timeout=5000"
    )
}

pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager { url }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let connection = match &self.url {
            DatabaseUrl::Postgres(url) => DbConnection::Pg(
                PgConnection::establish(&with_timeouts(url)).map_err(diesel::r2d2::Error::ConnectionError)?,
            ),
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    diesel::r2d2::Error::ConnectionError(ConnectionError::InvalidConnectionUrl(
                        "the SQLite path is not UTF-8".into(),
                    ))
                })?;
                let mut connection =
                    SqliteConnection::establish(path).map_err(diesel::r2d2::Error::ConnectionError)?;
                connection
                    .batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                DbConnection::Sqlite(connection)
            }
        };
        Ok(connection)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}
