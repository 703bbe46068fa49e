use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use super::StoreError;
use crate::message::{DeliveryStatus, MessageId, StoredMessage};
use crate::tenant::TenantId;

/// The outbox as the delivery worker and the back office see it. Messages enter it only
/// through [`super::UnitOfWork`].
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` pending messages due at `now` by moving their next attempt to
    /// `now + lease`, so that no other worker takes them meanwhile; returns the claimed ones.
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Delivered: the sealed body is erased, the masked text kept.
    async fn mark_sent(&self, id: MessageId, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Not delivered: records the try; `next_attempt_at: None` abandons the message.
    async fn mark_failed(
        &self,
        id: MessageId,
        attempts: i32,
        next_attempt_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<(), StoreError>;

    /// Newest first.
    async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError>;
}
