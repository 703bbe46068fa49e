use async_trait::async_trait;

use super::StoreError;

/// Whether the instance can serve requests: its database answers (`/health/ready`).
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Readiness: Send + Sync {
    /// A cheap round trip proving the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}
