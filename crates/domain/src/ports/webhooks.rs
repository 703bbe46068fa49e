use std::fmt;

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use super::StoreError;
use crate::message::ClaimId;
use crate::tenant::TenantId;
use crate::webhooks::{
    Attempt, DeliveryId, DeliveryStatus, DueDelivery, Endpoint, Event, FailedDelivery, UrlRefusal,
    WebhookDelivery, WebhookId, WebhookUrl,
};

/// Each tenant's endpoints and the deliveries of its events to them. Events enter through
/// [`super::UnitOfWork`] (each to every endpoint of its tenant that [`Endpoint::receives`] it
/// when the commit is written), or [`Self::enqueue`] for a test.
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    async fn create_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError>;

    /// The tenant's endpoints, oldest first.
    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<Endpoint>, StoreError>;

    async fn endpoint(&self, tenant: &TenantId, id: WebhookId) -> Result<Option<Endpoint>, StoreError>;

    /// Writes `next`'s url, events, description, secrets and disabling, if the endpoint is
    /// still as `current` was read (its last change and its disabling: a rotation or a disabling
    /// by the delivery meanwhile is not overwritten); `false` otherwise (read it again), or if
    /// it is gone. Enabling it again ends its failure streak and gives its pending deliveries a
    /// fresh retry window from `next.updated_at`.
    async fn update_endpoint(&self, current: &Endpoint, next: &Endpoint) -> Result<bool, StoreError>;

    /// Removes the endpoint with its deliveries; `false` if there was none.
    async fn delete_endpoint(&self, tenant: &TenantId, id: WebhookId) -> Result<bool, StoreError>;

    /// Queues `event` for `endpoint` alone, whatever it subscribes to.
    async fn enqueue(&self, endpoint: &Endpoint, event: &Event) -> Result<DeliveryId, StoreError>;

    /// The endpoint's deliveries with their attempts, newest first, optionally of one status.
    async fn deliveries(
        &self,
        tenant: &TenantId,
        endpoint: WebhookId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;

    /// A delivery that is not pending made pending again, due at `now` with a retry window
    /// from `now`: `Some(true)`; `Some(false)` if it is pending already, `None` if the endpoint
    /// has no such delivery.
    async fn retry(
        &self,
        tenant: &TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
        now: OffsetDateTime,
    ) -> Result<Option<bool>, StoreError>;

    /// Claims up to `limit` deliveries due at `now` to enabled endpoints not in `skip`, at most
    /// `per_endpoint` of one endpoint, each the oldest pending one of its endpoint and customer
    /// (so each receives a customer's events in commit order), moving their next try to
    /// `now + lease` under `claim`, as [`super::Outbox::claim_due`] does.
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
        skip: &[WebhookId],
        per_endpoint: usize,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Delivered: the attempt recorded, the endpoint's failure streak ended. Only while the
    /// delivery is pending under `claim`; returns whether it was.
    async fn record_success(
        &self,
        id: DeliveryId,
        claim: ClaimId,
        attempt: &Attempt,
    ) -> Result<bool, StoreError>;

    /// Not delivered: the attempt recorded, the next try set (or the delivery abandoned), the
    /// endpoint's failure streak started if it was not; the endpoint disabled (and its notice
    /// written to the outbox) if asked, it is enabled, and its streak began early enough
    /// ([`crate::webhooks::Disabling`]). Only while the
    /// delivery is pending under `claim`; returns whether it was.
    async fn record_failure(
        &self,
        id: DeliveryId,
        claim: ClaimId,
        failure: &FailedDelivery,
    ) -> Result<bool, StoreError>;

    /// How many deliveries are pending, and when the oldest was created (for the metrics).
    async fn backlog(&self) -> Result<(u64, Option<OffsetDateTime>), StoreError>;

    /// Forgets deliveries that ended (were delivered or abandoned) before `before`, with their
    /// attempts, and events older than `before` that no delivery names any more; how many
    /// deliveries went. A delivery retried by hand ends anew.
    async fn prune(&self, before: OffsetDateTime) -> Result<u64, StoreError>;
}

/// One signed POST of an event.
pub struct WebhookRequest {
    pub url: String,
    /// `webhook-id`: the event's id, the same on every try.
    pub id: String,
    /// `webhook-timestamp`: seconds since the epoch, of this try.
    pub timestamp: i64,
    pub body: String,
    /// The secrets (`whsec_…`, in clear) that sign it, each giving one signature.
    pub secrets: Vec<String>,
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("url", &self.url)
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

/// Why a POST got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    #[error(transparent)]
    Refused(#[from] UrlRefusal),
    #[error("{0}")]
    Failed(String),
}

/// HTTP to the tenants' endpoints: signatures and headers as the Standard Webhooks
/// specification says, no redirects followed, each try bounded by the configured timeout, and
/// only to addresses the instance's [`crate::webhooks::UrlPolicy`] admits (checked on the
/// addresses actually connected to).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait WebhookTransport: Send + Sync {
    /// Whether the URL's host resolves, and only to admitted addresses.
    async fn check(&self, url: &WebhookUrl) -> Result<(), UrlRefusal>;

    /// Sends `request`; the status the endpoint answered.
    async fn post(&self, request: &WebhookRequest) -> Result<u16, PostError>;
}
