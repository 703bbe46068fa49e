use async_trait::async_trait;

use super::StoreError;

/// Values generated once per installation (the admin token's hash) so that every instance
/// sharing the database agrees on them. Key material does not belong here: a database dump must
/// not give it away (earlier versions kept the JWT signing key here; start-up moves it out).
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait InstanceSecrets: Send + Sync {
    /// Stores `candidate` under `name` unless a value is there already; returns the value that
    /// is stored afterwards, and whether it was `candidate`.
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError>;

    /// The value stored under `name`, if any.
    async fn get(&self, name: &str) -> Result<Option<String>, StoreError>;

    /// Deletes the value stored under `name`; no error if there is none.
    async fn remove(&self, name: &str) -> Result<(), StoreError>;
}
