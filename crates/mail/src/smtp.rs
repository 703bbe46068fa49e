use std::time::Duration;

use async_trait::async_trait;
use clientele_domain::ports::{DeliveryError, Mail, MailSender};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// SMTP through lettre: `smtp://host:port` (plain, or STARTTLS with `?tls=required`),
/// `smtps://host:port` (implicit TLS), credentials as `user:pass@`. Every send ends within
/// `timeout`, connect through the end of DATA: lettre's own timeout bounds each network read
/// and write, not a server that keeps answering slowly. Each send has a connection of its own
/// (no pool): a send cut off at its deadline takes its half-finished SMTP exchange with it,
/// where a pooled connection would go back to the pool mid-exchange and garble later sends.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("CLIENTELE_MAIL_FROM is not an address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("CLIENTELE_SMTP_URL is not usable: {e}"))?
            .timeout(Some(timeout))
            .build();
        Ok(SmtpMailer {
            transport,
            from,
            timeout,
        })
    }

    fn message(&self, mail: &Mail) -> Result<Message, DeliveryError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| DeliveryError::Permanent("the recipient is not a valid address".into()))?;
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.text.clone());
        let body = match &mail.body.html {
            Some(html) => MultiPart::alternative().singlepart(text).singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(html.clone()),
            ),
            None => MultiPart::mixed().singlepart(text),
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(body)
            .map_err(|e| DeliveryError::Permanent(format!("the message cannot be built: {e}")))
    }
}

#[async_trait]
impl MailSender for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError> {
        let message = self.message(mail)?;
        let sent = tokio::time::timeout(self.timeout, self.transport.send(message))
            .await
            .map_err(|_| {
                DeliveryError::Temporary(format!(
                    "the SMTP server did not finish within {} s",
                    self.timeout.as_secs()
                ))
            })?;
        match sent {
            Ok(_) => Ok(()),
            // The error says what the server or network did; it never contains the body.
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(e.to_string())),
            Err(e) => Err(DeliveryError::Temporary(e.to_string())),
        }
    }
}
