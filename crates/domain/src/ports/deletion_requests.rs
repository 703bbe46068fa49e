use async_trait::async_trait;

use super::StoreError;
use crate::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use crate::tenant::TenantId;

/// Deletion requests as the back office reads them (they are written by commits).
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait DeletionRequestRepository: Send + Sync {
    /// The tenant's requests, optionally of one status and of one account, oldest first.
    async fn list_requests(
        &self,
        tenant: &TenantId,
        status: Option<DeletionStatus>,
        account: Option<crate::account::AccountUuid>,
        limit: i64,
    ) -> Result<Vec<DeletionRequest>, StoreError>;

    async fn find_request(
        &self,
        tenant: &TenantId,
        id: DeletionRequestId,
    ) -> Result<Option<DeletionRequest>, StoreError>;

    /// Whether the account has a request still pending.
    async fn has_pending(
        &self,
        tenant: &TenantId,
        account: crate::account::AccountUuid,
    ) -> Result<bool, StoreError>;
}
