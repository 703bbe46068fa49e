use async_trait::async_trait;
use clientele_domain::ports::{DeliveryError, Mail, MailSender};

/// Development default when no SMTP server is configured: each message, secrets included, is
/// written to the log so a developer can follow the flows. Never use it in production.
#[derive(Debug, Default)]
pub struct LogMailer;

impl LogMailer {
    pub fn new() -> Self {
        tracing::warn!(
            "CLIENTELE_SMTP_URL is not set: emails (and the secrets in them) are written to this log; \
             for development only"
        );
        LogMailer
    }
}

#[async_trait]
impl MailSender for LogMailer {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError> {
        tracing::info!(to = %mail.to, subject = %mail.subject, "email (not sent: no SMTP server)\n{}", mail.body.text);
        Ok(())
    }
}
