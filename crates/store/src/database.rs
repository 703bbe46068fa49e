use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::Pool;

use crate::blocking::{with_connection, DbPool};
use crate::connection::{Backend, DatabaseUrl, Manager};
use crate::migrations;
use crate::principal_cache::PrincipalCache;
use crate::principal_listener;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("invalid database URL: {0}")]
    Url(String),
    #[error("cannot create the database directory: {0}")]
    Directory(std::io::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migrations failed: {0}")]
    Migrate(String),
}

/// The diesel adapter: a connection pool over PostgreSQL or SQLite. It implements every storage
/// port of the domain (see the `accounts`, `sessions` and `secrets` modules).
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: DbPool,
    backend: Backend,
    /// Authenticated principals held in memory (see [`PrincipalCache`]).
    pub(crate) principals: Arc<PrincipalCache>,
}

impl Database {
    /// Connects (creating a SQLite file and its directory if needed). Does not migrate.
    pub fn connect(url: &str) -> Result<Self, OpenError> {
        let url = DatabaseUrl::parse(url).map_err(OpenError::Url)?;
        if let DatabaseUrl::Sqlite(path) = &url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(OpenError::Directory)?;
            }
        }
        let backend = url.backend();
        // SQLite serialises writers anyway; a few connections serve concurrent readers.
        let size = match backend {
            Backend::Postgres => 16,
            Backend::Sqlite => 8,
        };
        let pool = Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(5))
            .build(Manager::new(url.clone()))
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        let principals = Arc::new(match &url {
            // Several instances may share the database: answer only while the listener hears
            // their writes.
            DatabaseUrl::Postgres(_) => PrincipalCache::disabled(),
            // One serving instance per file: this process sees every write.
            DatabaseUrl::Sqlite(_) => PrincipalCache::enabled(),
        });
        if let DatabaseUrl::Postgres(postgres) = &url {
            principal_listener::spawn(postgres.clone(), &principals);
        }
        Ok(Database {
            pool,
            backend,
            principals,
        })
    }

    /// Connects and applies pending migrations: what the server does at start.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let database = Self::connect(url)?;
        database.migrate().await?;
        Ok(database)
    }

    /// Applies pending migrations; returns how many ran.
    pub async fn migrate(&self) -> Result<usize, OpenError> {
        with_connection(&self.pool, |conn| {
            migrations::run_pending(conn).map_err(clientele_domain::ports::StoreError::Unavailable)
        })
        .await
        .map_err(|e| OpenError::Migrate(e.to_string()))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}
