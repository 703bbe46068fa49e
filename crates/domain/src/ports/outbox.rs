use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use super::StoreError;
use crate::flow::Channel;
use crate::message::{ClaimId, DeliveryStatus, MessageId, StoredMessage};
use crate::tenant::TenantId;

/// The outbox as the delivery worker and the back office see it. Messages enter it only
/// through [`super::UnitOfWork`].
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` pending messages due at `now` under `claim`, moving their next
    /// attempt to `now + lease` so that no other worker takes them meanwhile; returns the
    /// claimed ones. A message whose lease lapsed (its worker crashed or stalled) is due again.
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Delivered: the sealed body is erased, the masked text kept, the try counted. Only while
    /// the message is still pending under `claim`; returns whether it was.
    async fn mark_sent(&self, id: MessageId, claim: ClaimId, now: OffsetDateTime)
        -> Result<bool, StoreError>;

    /// Not delivered: counts the try (in the store, never from a value read earlier) and sets
    /// the next one; `next_attempt_at: None` abandons the message. Only while the message is
    /// still pending under `claim`; returns whether it was.
    async fn mark_failed(
        &self,
        id: MessageId,
        claim: ClaimId,
        next_attempt_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<bool, StoreError>;

    /// The pending messages of every tenant, by channel: how many, and when the oldest was
    /// written (for the service's metrics).
    async fn pending_by_channel(&self) -> Result<Vec<PendingMessages>, StoreError>;

    /// Newest first, optionally of one status and of one account.
    async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryStatus>,
        account: Option<crate::account::AccountUuid>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError>;
}

/// The outbox's backlog on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMessages {
    pub channel: Channel,
    pub count: u64,
    pub oldest: Option<OffsetDateTime>,
}
