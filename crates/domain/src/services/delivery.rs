//! Sends what the outbox holds: at least once, with exponential backoff, abandoning a message
//! (its last error kept) after too many tries.

use std::sync::Arc;

use time::Duration;

use crate::error::DomainError;
use crate::flow::Channel;
use crate::message::{MessageBody, StoredMessage};
use crate::ports::{Clock, DeliveryError, Mail, MailSender, Outbox, Sealer};

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Wait after the first failure; doubles with each further one, at most an hour.
    pub retry_base: Duration,
    /// Tries before a message is abandoned.
    pub max_attempts: i32,
    /// How long a claimed message is reserved for this worker.
    pub lease: Duration,
    pub batch: i64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            retry_base: Duration::seconds(5),
            max_attempts: 10,
            lease: Duration::minutes(2),
            // A batch must end within its lease even when every send hits the SMTP timeout
            // (15 s): 5 × 15 s < 2 min, so no other worker re-claims a message being sent.
            batch: 5,
        }
    }
}

const LONGEST_WAIT: Duration = Duration::hours(1);

pub struct Delivery {
    outbox: Arc<dyn Outbox>,
    mail: Arc<dyn MailSender>,
    sealer: Arc<dyn Sealer>,
    clock: Arc<dyn Clock>,
    settings: DeliverySettings,
}

impl Delivery {
    pub fn new(
        outbox: Arc<dyn Outbox>,
        mail: Arc<dyn MailSender>,
        sealer: Arc<dyn Sealer>,
        clock: Arc<dyn Clock>,
        settings: DeliverySettings,
    ) -> Self {
        Delivery {
            outbox,
            mail,
            sealer,
            clock,
            settings,
        }
    }

    /// The wait before try number `attempts + 1`.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
        (self.settings.retry_base * 2_i32.pow(doublings)).min(LONGEST_WAIT)
    }

    /// Tries every message due now; returns how many it handled.
    pub async fn run_once(&self) -> Result<usize, DomainError> {
        let now = self.clock.now();
        let due = self
            .outbox
            .claim_due(now, self.settings.lease, self.settings.batch)
            .await?;
        for message in &due {
            self.deliver(message).await?;
        }
        Ok(due.len())
    }

    fn open(&self, stored: &StoredMessage) -> Result<MessageBody, DeliveryError> {
        let unreadable = || DeliveryError::Permanent("the stored body cannot be opened".into());
        let (text, html) = stored
            .message
            .sealed_body
            .split_once('.')
            .ok_or_else(unreadable)?;
        Ok(MessageBody {
            text: self.sealer.open(text).map_err(|_| unreadable())?,
            html: Some(self.sealer.open(html).map_err(|_| unreadable())?),
        })
    }

    async fn deliver(&self, stored: &StoredMessage) -> Result<(), DomainError> {
        let message = &stored.message;
        let outcome = match message.channel {
            Channel::Email => match self.open(stored) {
                Ok(body) => {
                    let mail = Mail {
                        to: message.recipient.clone(),
                        subject: message.subject.clone(),
                        body,
                    };
                    self.mail.send(&mail).await
                }
                Err(e) => Err(e),
            },
            Channel::Sms => Err(DeliveryError::Permanent("no SMS gateway in this version".into())),
        };
        let now = self.clock.now();
        match outcome {
            Ok(()) => self.outbox.mark_sent(message.id, now).await?,
            Err(error) => {
                let attempts = stored.attempts + 1;
                let next = match &error {
                    DeliveryError::Temporary(_) if attempts < self.settings.max_attempts => {
                        Some(now + self.backoff(attempts))
                    }
                    _ => None,
                };
                self.outbox
                    .mark_failed(message.id, attempts, next, &error.to_string())
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{DeliveryStatus, MessageId, OutboundMessage};
    use crate::ports::{MockClock, MockMailSender, MockOutbox, MockSealer};
    use crate::tenant::TenantId;
    use time::macros::datetime;
    use time::OffsetDateTime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn stored(attempts: i32) -> StoredMessage {
        StoredMessage {
            message: OutboundMessage {
                id: MessageId(uuid::Uuid::nil()),
                tenant: TenantId::default_tenant(),
                channel: Channel::Email,
                recipient: "a@b.co".into(),
                subject: "s".into(),
                sealed_body: "T.H".into(),
                masked_text: "m".into(),
                created_at: NOW,
            },
            status: DeliveryStatus::Pending,
            attempts,
            next_attempt_at: NOW,
            last_error: None,
            sent_at: None,
        }
    }

    fn delivery(outbox: MockOutbox, mail: MockMailSender) -> Delivery {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(NOW);
        let mut sealer = MockSealer::new();
        sealer.expect_open().returning(|s| Ok(format!("opened {s}")));
        Delivery::new(
            Arc::new(outbox),
            Arc::new(mail),
            Arc::new(sealer),
            Arc::new(clock),
            Default::default(),
        )
    }

    #[tokio::test]
    async fn sent_messages_are_marked_sent() {
        let mut outbox = MockOutbox::new();
        outbox.expect_claim_due().returning(|_, _, _| Ok(vec![stored(0)]));
        outbox.expect_mark_sent().times(1).returning(|_, _| Ok(()));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .withf(|m| m.body.text == "opened T" && m.body.html.as_deref() == Some("opened H"))
            .returning(|_| Ok(()));
        assert_eq!(delivery(outbox, mail).run_once().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn temporary_failures_back_off_then_give_up() {
        let mut outbox = MockOutbox::new();
        outbox.expect_claim_due().returning(|_, _, _| Ok(vec![stored(2)]));
        outbox
            .expect_mark_failed()
            .withf(|_, attempts, next, error| {
                *attempts == 3 && *next == Some(NOW + Duration::seconds(20)) && error.contains("down")
            })
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .returning(|_| Err(DeliveryError::Temporary("server down".into())));
        delivery(outbox, mail).run_once().await.unwrap();

        let mut outbox = MockOutbox::new();
        outbox.expect_claim_due().returning(|_, _, _| Ok(vec![stored(9)]));
        outbox
            .expect_mark_failed()
            .withf(|_, attempts, next, _| *attempts == 10 && next.is_none())
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .returning(|_| Err(DeliveryError::Temporary("server down".into())));
        delivery(outbox, mail).run_once().await.unwrap();
    }

    #[tokio::test]
    async fn permanent_failures_abandon_at_once() {
        let mut outbox = MockOutbox::new();
        outbox.expect_claim_due().returning(|_, _, _| Ok(vec![stored(0)]));
        outbox
            .expect_mark_failed()
            .withf(|_, attempts, next, _| *attempts == 1 && next.is_none())
            .times(1)
            .returning(|_, _, _, _| Ok(()));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .returning(|_| Err(DeliveryError::Permanent("no such mailbox".into())));
        delivery(outbox, mail).run_once().await.unwrap();
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let d = delivery(MockOutbox::new(), MockMailSender::new());
        assert_eq!(d.backoff(1), Duration::seconds(5));
        assert_eq!(d.backoff(2), Duration::seconds(10));
        assert_eq!(d.backoff(30), Duration::hours(1));
    }
}
