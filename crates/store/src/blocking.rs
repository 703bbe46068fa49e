use clientele_domain::ports::StoreError;
use diesel::r2d2::{Pool, PooledConnection};

use crate::connection::Manager;
use crate::errors::from_pool;

pub type DbPool = Pool<Manager>;

/// Runs `work` with a pooled connection on tokio's blocking pool, never on an async worker:
/// diesel calls block.
pub async fn with_connection<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&mut PooledConnection<Manager>) -> Result<T, StoreError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut connection = pool.get().map_err(from_pool)?;
        work(&mut connection)
    })
    .await
    .map_err(|e| StoreError::Unavailable(format!("database task failed: {e}")))?
}
