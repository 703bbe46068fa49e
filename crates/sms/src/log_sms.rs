use async_trait::async_trait;
use clientele_domain::ports::{DeliveryError, Text, TextSender};

/// Development default when no gateway is configured: each text, its code included, is written
/// to the log so a developer can follow the flows. Never use it in production.
#[derive(Debug, Default)]
pub struct LogSms;

impl LogSms {
    pub fn new() -> Self {
        tracing::warn!(
            "neither CLIENTELE_SMS_URL nor CLIENTELE_TWILIO_ACCOUNT_SID is set: text messages (and the \
             codes in them) are written to this log; for development only"
        );
        LogSms
    }
}

#[async_trait]
impl TextSender for LogSms {
    async fn send(&self, text: &Text) -> Result<(), DeliveryError> {
        tracing::info!(to = %text.to, "text message (not sent: no SMS gateway)\n{}", text.body);
        Ok(())
    }
}
