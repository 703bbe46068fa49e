//! Messages to customers as the outbox keeps them.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::account::AccountUuid;
use crate::flow::Channel;
use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageId(pub Uuid);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One delivery worker's hold on the messages it claimed: their outcomes are recorded only
/// under it, so a worker whose lease lapsed cannot overwrite what the next claimant recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimId(pub Uuid);

/// What a message says, in clear: only ever in memory.
#[derive(Clone, PartialEq, Eq)]
pub struct MessageBody {
    pub text: String,
    pub html: Option<String>,
}

impl fmt::Debug for MessageBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageBody(***)")
    }
}

/// A message written to the outbox in the same transaction as the change that caused it.
/// The body (which may hold a secret) is sealed; `masked_text` is the same text with the
/// secret replaced, for the back office to read.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundMessage {
    pub id: MessageId,
    pub tenant: TenantId,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub sealed_body: String,
    pub masked_text: String,
    pub created_at: OffsetDateTime,
    /// Once delivered or given up, its recipient, subject and text are blanked too: the last
    /// message to an account whose data is erased.
    pub forget_recipient: bool,
    /// The account it was written for: erasing that account scrubs it.
    pub account: Option<AccountUuid>,
    /// The `From` mailbox (`"Name" <address>`) in the tenant's name; `None`: the mailer's own.
    pub sender: Option<String>,
    /// Where replies go, when the tenant set it.
    pub reply_to: Option<String>,
    /// The language it is written in (`Content-Language`).
    pub language: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Sent,
    Abandoned,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Abandoned => "abandoned",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(DeliveryStatus::Pending),
            "sent" => Some(DeliveryStatus::Sent),
            "abandoned" => Some(DeliveryStatus::Abandoned),
            _ => None,
        }
    }
}

/// An outbox row: the message and how its delivery goes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    pub message: OutboundMessage,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub sent_at: Option<OffsetDateTime>,
}
