use async_trait::async_trait;

use super::StoreError;

/// Values generated once per installation (the admin token's hash, the JWT signing key) so that
/// every instance sharing the database agrees on them.
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait InstanceSecrets: Send + Sync {
    /// Stores `candidate` under `name` unless a value is there already; returns the value that
    /// is stored afterwards, and whether it was `candidate`.
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError>;

    /// A cheap round trip proving the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}
