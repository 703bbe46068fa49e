//! One event on its way to one endpoint, and each try to get it there.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use super::endpoint::{Endpoint, WebhookId};
use super::event::{EventType, StoredEvent};
use crate::account::AccountUuid;
use crate::message::OutboundMessage;
use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryId(pub Uuid);

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next try (or being tried).
    Pending,
    /// An attempt got a 2xx.
    Delivered,
    /// Every try within the retry window failed.
    Abandoned,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Delivered,
        DeliveryStatus::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Abandoned => "abandoned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// One try: when, what the endpoint answered (if it did), how long it took, what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: OffsetDateTime,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    /// Why it failed (a status outside 2xx, a timeout, a refused address); never the body.
    pub error: Option<String>,
}

/// A delivery as the back office reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    pub id: DeliveryId,
    pub tenant: TenantId,
    pub endpoint: WebhookId,
    pub event_id: String,
    pub event_type: EventType,
    pub account: Option<AccountUuid>,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// While pending: when it is tried next.
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Where its retry window starts: its creation, or the back office's last manual retry.
    pub window_from: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
}

/// A claimed delivery with what sending it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    pub delivery: WebhookDelivery,
    pub endpoint: Endpoint,
    pub event: StoredEvent,
}

/// After a failed try: when the next one is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retrying {
    At(OffsetDateTime),
    GiveUp,
}

/// A failed try as recorded: the attempt, what follows, and, when the endpoint has failed
/// every try for long enough, its disabling.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedDelivery {
    pub attempt: Attempt,
    pub next: Retrying,
    pub disable_endpoint: Option<Disabling>,
}

/// An endpoint disabled for failing: only if its failure streak (as stored when the failure is
/// recorded) began at `failing_since_by` or before, so that a success recorded meanwhile (which
/// ends the streak) wins; with the notice to the tenant's operator, written once.
#[derive(Debug, Clone, PartialEq)]
pub struct Disabling {
    pub failing_since_by: OffsetDateTime,
    pub notice: Option<OutboundMessage>,
}
