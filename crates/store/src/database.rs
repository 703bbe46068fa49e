use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::Pool;

use clientele_domain::ports::StoreError;

use crate::blocking::{with_connection, DbPool};
use crate::change_follower;
use crate::connection::{Backend, DatabaseUrl, DbConnection, Manager};
use crate::group_commit::GroupCommit;
use crate::memory::Memory;
use crate::migrations;

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
    /// Principals, tenants, keys and loyalty standings held in memory (see [`Memory`]).
    pub(crate) memory: Arc<Memory>,
    /// SQLite: the lock file that says this process is the file's only server (see
    /// [`Database::claim_sole_use`]).
    sqlite_lock: Option<Arc<SoleUse>>,
    /// SQLite: the writer that commits concurrent write transactions together.
    group_commit: Option<Arc<GroupCommit>>,
}

/// An exclusive lock on `<database>.lock`, held for the life of the process once taken.
struct SoleUse {
    file: std::fs::File,
    held: std::sync::atomic::AtomicBool,
}

impl SoleUse {
    fn open(database: &std::path::Path) -> Result<Self, OpenError> {
        let mut path = database.as_os_str().to_owned();
        path.push(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(OpenError::Directory)?;
        Ok(SoleUse {
            file,
            held: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn try_take(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.held.load(Ordering::Acquire) {
            return true;
        }
        let taken = self.file.try_lock().is_ok();
        if taken {
            self.held.store(true, Ordering::Release);
        }
        taken
    }
}

impl Database {
    /// Connects (creating a SQLite file and its directory if needed). Does not migrate.
    pub fn connect(url: &str) -> Result<Self, OpenError> {
        Self::connect_as(url, true)
    }

    /// For a command that runs and exits (`clientele tenant …`, `migrate`): no change
    /// follower on PostgreSQL and no idle connection kept ready, so that no background thread
    /// is inside libpq when the process exits (its TLS library's exit handlers would crash it:
    /// a pool topping itself up after the command's last query made `clientele` exit by
    /// SIGSEGV).
    pub fn connect_for_command(url: &str) -> Result<Self, OpenError> {
        Self::connect_as(url, false)
    }

    fn connect_as(url: &str, serving: bool) -> Result<Self, OpenError> {
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
        // No `SELECT 1` before every use of a pooled connection (r2d2's default): it doubled the
        // round trips of a write. A connection the server dropped fails its next query (an
        // answer of 503, retried by the client) and is discarded when it goes back.
        let pool = Pool::builder()
            .test_on_check_out(false)
            .max_size(size)
            .min_idle(Some(u32::from(serving)))
            .connection_timeout(Duration::from_secs(5))
            .build(Manager::new(url.clone()))
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        // Answers nothing until it may: on PostgreSQL while the follower hears every
        // instance's writes, on SQLite once this process is the file's only server.
        let memory = Arc::new(Memory::closed(backend == Backend::Postgres));
        let (sqlite_lock, group_commit) = match &url {
            DatabaseUrl::Postgres(postgres) => {
                if serving {
                    change_follower::spawn(postgres.clone(), &memory);
                }
                (None, None)
            }
            DatabaseUrl::Sqlite(path) => (
                Some(Arc::new(SoleUse::open(path)?)),
                Some(Arc::new(GroupCommit::new(Manager::new(url.clone())))),
            ),
        };
        Ok(Database {
            pool,
            backend,
            memory,
            sqlite_lock,
            group_commit,
        })
    }

    /// Whether this process may serve the database: always on PostgreSQL (instances share it,
    /// their writes are heard); on SQLite only as the file's one server, since another process's
    /// writes would go unheard by this one's memory. Waits up to `wait` for a server that is
    /// stopping to let go. Once claimed, principals are served from memory.
    pub async fn claim_sole_use(&self, wait: Duration) -> bool {
        let Some(lock) = &self.sqlite_lock else {
            return true;
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if lock.try_take() {
                self.memory.answer_always();
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
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

    /// Runs `work` in a write transaction on a blocking thread: on SQLite committed together
    /// with concurrent ones (see [`GroupCommit`]), on PostgreSQL on a pooled connection. `held`
    /// (the cache entries to forget) drops once the write is over, committed or not, on the
    /// thread that ran it.
    pub(crate) async fn write<T, E, F, H>(&self, held: H, work: F) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        H: Send + 'static,
    {
        self.writing_then(work, true, move |_| drop(held)).await
    }

    /// As [`Self::write`] for `work` that is one statement: PostgreSQL runs it on its own
    /// (autocommit, one round trip) rather than between `BEGIN` and `COMMIT`.
    pub(crate) async fn write_one<T, E, F, H>(&self, held: H, work: F) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        H: Send + 'static,
    {
        self.writing_then(work, false, move |_| drop(held)).await
    }

    /// As [`Self::write_one`], then `then` with the outcome as the caller will see it (a
    /// group's failed commit included), on the thread that ran the write: before the caller
    /// resumes, and also if the caller is gone. `None`: it never ran (no connection).
    pub(crate) async fn write_one_then<T, E, F, A>(
        &self,
        work: F,
        then: A,
    ) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        A: FnOnce(Option<&Result<T, E>>) + Send + 'static,
    {
        self.writing_then(work, false, then).await
    }

    async fn writing_then<T, E, F, A>(
        &self,
        work: F,
        transaction: bool,
        then: A,
    ) -> Result<Result<T, E>, StoreError>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        A: FnOnce(Option<&Result<T, E>>) + Send + 'static,
    {
        let then = Then(Some(then), std::marker::PhantomData);
        match &self.group_commit {
            Some(group) => {
                let group = group.clone();
                tokio::task::spawn_blocking(move || {
                    let outcome = group.run(work);
                    then.with(&outcome);
                    outcome
                })
                .await
                .map_err(|e| StoreError::Unavailable(format!("database task failed: {e}")))
            }
            None => {
                with_connection(&self.pool, move |conn| {
                    let outcome = if transaction {
                        conn.write_transaction(work)
                    } else {
                        work(conn)
                    };
                    then.with(&outcome);
                    Ok(outcome)
                })
                .await
            }
        }
    }
}

/// What runs after a write, with its outcome; with none if the write never ran.
struct Then<A, T, E>(Option<A>, std::marker::PhantomData<fn(&Result<T, E>)>)
where
    A: FnOnce(Option<&Result<T, E>>);

impl<A, T, E> Then<A, T, E>
where
    A: FnOnce(Option<&Result<T, E>>),
{
    fn with(mut self, outcome: &Result<T, E>) {
        if let Some(then) = self.0.take() {
            then(Some(outcome));
        }
    }
}

impl<A, T, E> Drop for Then<A, T, E>
where
    A: FnOnce(Option<&Result<T, E>>),
{
    fn drop(&mut self) {
        if let Some(then) = self.0.take() {
            then(None);
        }
    }
}
