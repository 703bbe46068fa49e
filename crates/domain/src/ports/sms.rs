use async_trait::async_trait;

use super::DeliveryError;

/// A text message ready to send: the number in E.164 form and the text, in clear (only ever in
/// memory).
#[derive(Clone, PartialEq, Eq)]
pub struct Text {
    pub to: String,
    pub body: String,
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Text")
            .field("to", &self.to)
            .field("body", &"***")
            .finish()
    }
}

/// Sends text messages through a gateway. The error text goes to the outbox's `last_error`: it
/// must not contain the body.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait TextSender: Send + Sync {
    async fn send(&self, text: &Text) -> Result<(), DeliveryError>;
}
