use async_trait::async_trait;

use crate::message::MessageBody;

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The outbox's id of the message: every try of one message carries the same `Message-ID`.
    pub id: uuid::Uuid,
    /// `"Name" <address>`, in the tenant's name; `None`: the mailer's configured sender.
    pub from: Option<String>,
    pub reply_to: Option<String>,
    /// The language it is written in (`Content-Language`).
    pub language: Option<String>,
    pub to: String,
    pub subject: String,
    pub body: MessageBody,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (server down, timeout, 4xx reply).
    #[error("temporary delivery failure: {0}")]
    Temporary(String),
    /// Will never work (malformed address, 5xx reply): the message is abandoned.
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
}

/// Sends email. The error text goes to the outbox's `last_error`: it must not contain the body.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MailSender: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError>;
}
