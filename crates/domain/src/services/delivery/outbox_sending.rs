//! Sends what the outbox holds: at least once, with exponential backoff, abandoning a message
//! (its last error kept) after too many tries.

use std::sync::Arc;

use futures_util::{stream, StreamExt};
use time::Duration;

use crate::error::DomainError;
use crate::flow::Channel;
use crate::message::{ClaimId, MessageBody, StoredMessage};
use crate::ports::{
    Clock, DeliveryError, Mail, MailSender, Outbox, Randomness, Sealer, StoreError, Text, TextSender,
};

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Wait after the first failure; doubles with each further one, at most an hour.
    pub retry_base: Duration,
    /// Tries before a message is abandoned.
    pub max_attempts: i32,
    /// The longest one send may take, connect through the end of the exchange: the senders
    /// are built with it and give up (a temporary failure) when it passes.
    pub send_timeout: Duration,
    /// Messages claimed at once.
    pub batch: i64,
    /// Sends of a batch in flight at once.
    pub concurrency: usize,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            retry_base: Duration::seconds(5),
            max_attempts: 10,
            send_timeout: Duration::seconds(30),
            batch: 10,
            concurrency: 10,
        }
    }
}

/// Besides the sends: opening bodies and recording outcomes, with the database's own timeouts.
const LEASE_MARGIN: Duration = Duration::minutes(1);

impl DeliverySettings {
    /// How long a claim holds: longer than the worst a batch can take (every send of every round
    /// running into its timeout), so that no other worker re-claims a message being sent.
    pub fn lease(&self) -> Duration {
        let concurrency = self.concurrency.max(1) as i64;
        let rounds = (self.batch.max(1) + concurrency - 1) / concurrency;
        self.send_timeout * rounds as i32 + LEASE_MARGIN
    }
}

const LONGEST_WAIT: Duration = Duration::hours(1);

/// What became of one claimed message.
#[derive(Debug)]
enum Outcome {
    Sent,
    Failed,
    /// The outcome was not recorded because the claim had lapsed and another worker holds the
    /// message now: it may be delivered twice.
    ClaimLost,
    /// Recording the outcome failed: the message is tried again once the lease lapses.
    Unrecorded(StoreError),
}

/// What one batch did, for the worker to log.
#[derive(Debug, Default)]
pub struct BatchReport {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
    pub claims_lost: usize,
    pub unrecorded: Vec<StoreError>,
    /// Each claimed message's channel and outcome (`sent`, `failed`, `claim_lost`,
    /// `unrecorded`), for the metrics.
    pub outcomes: Vec<(Channel, &'static str)>,
}

pub struct Delivery {
    outbox: Arc<dyn Outbox>,
    mail: Arc<dyn MailSender>,
    sms: Arc<dyn TextSender>,
    sealer: Arc<dyn Sealer>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
    settings: DeliverySettings,
}

/// Where each channel's messages go.
pub struct Senders {
    pub mail: Arc<dyn MailSender>,
    pub sms: Arc<dyn TextSender>,
}

impl Delivery {
    pub fn new(
        outbox: Arc<dyn Outbox>,
        senders: Senders,
        sealer: Arc<dyn Sealer>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
        settings: DeliverySettings,
    ) -> Self {
        Delivery {
            outbox,
            mail: senders.mail,
            sms: senders.sms,
            sealer,
            clock,
            random,
            settings,
        }
    }

    /// The wait before try number `attempts + 1`.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
        (self.settings.retry_base * 2_i32.pow(doublings)).min(LONGEST_WAIT)
    }

    /// Claims the messages due now and tries each, a bounded number at once; one message's
    /// failure (to send or to be recorded) never holds up the others.
    pub async fn run_once(&self) -> Result<BatchReport, DomainError> {
        let claim = ClaimId(self.random.uuid());
        let due = self
            .outbox
            .claim_due(
                self.clock.now(),
                self.settings.lease(),
                self.settings.batch,
                claim,
            )
            .await?;
        let outcomes: Vec<(Channel, Outcome)> = stream::iter(&due)
            .map(|message| async move { (message.message.channel, self.deliver(message, claim).await) })
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        let mut report = BatchReport {
            claimed: due.len(),
            ..BatchReport::default()
        };
        for (channel, outcome) in outcomes {
            let name = match outcome {
                Outcome::Sent => {
                    report.sent += 1;
                    "sent"
                }
                Outcome::Failed => {
                    report.failed += 1;
                    "failed"
                }
                Outcome::ClaimLost => {
                    report.claims_lost += 1;
                    "claim_lost"
                }
                Outcome::Unrecorded(error) => {
                    report.unrecorded.push(error);
                    "unrecorded"
                }
            };
            report.outcomes.push((channel, name));
        }
        Ok(report)
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

    async fn send(&self, stored: &StoredMessage) -> Result<(), DeliveryError> {
        let message = &stored.message;
        match message.channel {
            Channel::Email => {
                let mail = Mail {
                    id: message.id.0,
                    from: message.sender.clone(),
                    reply_to: message.reply_to.clone(),
                    language: message.language.clone(),
                    to: message.recipient.clone(),
                    subject: message.subject.clone(),
                    body: self.open(stored)?,
                };
                self.mail.send(&mail).await
            }
            Channel::Sms => {
                let text = Text {
                    to: message.recipient.clone(),
                    body: self.open(stored)?.text,
                };
                self.sms.send(&text).await
            }
        }
    }

    async fn deliver(&self, stored: &StoredMessage, claim: ClaimId) -> Outcome {
        let id = stored.message.id;
        let outcome = self.send(stored).await;
        let now = self.clock.now();
        let (recorded, done) = match outcome {
            Ok(()) => (self.outbox.mark_sent(id, claim, now).await, Outcome::Sent),
            Err(error) => {
                // The claim makes this worker the only one trying the message, so the count
                // read at claim time is current.
                let attempts = stored.attempts + 1;
                let next = match &error {
                    DeliveryError::Temporary(_) if attempts < self.settings.max_attempts => {
                        Some(now + self.backoff(attempts))
                    }
                    _ => None,
                };
                let recorded = self.outbox.mark_failed(id, claim, next, &error.to_string()).await;
                (recorded, Outcome::Failed)
            }
        };
        match recorded {
            Ok(true) => done,
            Ok(false) => Outcome::ClaimLost,
            Err(error) => Outcome::Unrecorded(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{DeliveryStatus, MessageId, OutboundMessage};
    use crate::ports::{MockClock, MockMailSender, MockOutbox, MockRandomness, MockSealer, MockTextSender};
    use crate::tenant::TenantId;
    use time::macros::datetime;
    use time::OffsetDateTime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    const CLAIM: ClaimId = ClaimId(uuid::Uuid::from_u128(42));

    fn stored(attempts: i32) -> StoredMessage {
        to(attempts, "a@b.co", 0)
    }

    fn to(attempts: i32, recipient: &str, id: u128) -> StoredMessage {
        StoredMessage {
            message: OutboundMessage {
                id: MessageId(uuid::Uuid::from_u128(id)),
                tenant: TenantId::default_tenant(),
                channel: Channel::Email,
                recipient: recipient.into(),
                subject: "s".into(),
                sealed_body: "T.H".into(),
                masked_text: "m".into(),
                created_at: NOW,
                forget_recipient: false,
                sender: None,
                reply_to: None,
                language: None,
                account: None,
            },
            status: DeliveryStatus::Pending,
            attempts,
            next_attempt_at: NOW,
            last_error: None,
            sent_at: None,
        }
    }

    fn delivery(outbox: MockOutbox, mail: impl MailSender + 'static) -> Delivery {
        delivery_with(outbox, mail, MockTextSender::new())
    }

    fn delivery_with(
        outbox: MockOutbox,
        mail: impl MailSender + 'static,
        sms: impl TextSender + 'static,
    ) -> Delivery {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(NOW);
        let mut sealer = MockSealer::new();
        sealer.expect_open().returning(|s| Ok(format!("opened {s}")));
        let mut random = MockRandomness::new();
        random.expect_uuid().return_const(CLAIM.0);
        Delivery::new(
            Arc::new(outbox),
            Senders {
                mail: Arc::new(mail),
                sms: Arc::new(sms),
            },
            Arc::new(sealer),
            Arc::new(clock),
            Arc::new(random),
            Default::default(),
        )
    }

    #[tokio::test]
    async fn sent_messages_are_marked_sent() {
        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .returning(|_, _, _, _| Ok(vec![stored(0)]));
        outbox
            .expect_mark_sent()
            .withf(|_, claim, _| *claim == CLAIM)
            .times(1)
            .returning(|_, _, _| Ok(true));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .withf(|m| m.body.text == "opened T" && m.body.html.as_deref() == Some("opened H"))
            .returning(|_| Ok(()));
        let report = delivery(outbox, mail).run_once().await.unwrap();
        assert_eq!((report.claimed, report.sent), (1, 1));
    }

    #[tokio::test]
    async fn texts_go_to_the_sms_gateway_with_their_text_only() {
        let mut outbox = MockOutbox::new();
        outbox.expect_claim_due().returning(|_, _, _, _| {
            let mut text = to(0, "+919876543210", 7);
            text.message.channel = Channel::Sms;
            Ok(vec![text])
        });
        outbox.expect_mark_sent().times(1).returning(|_, _, _| Ok(true));
        let mut sms = MockTextSender::new();
        sms.expect_send()
            .withf(|t| t.to == "+919876543210" && t.body == "opened T")
            .times(1)
            .returning(|_| Ok(()));
        let report = delivery_with(outbox, MockMailSender::new(), sms)
            .run_once()
            .await
            .unwrap();
        assert_eq!(report.sent, 1);
    }

    #[tokio::test]
    async fn temporary_failures_back_off_then_give_up() {
        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .returning(|_, _, _, _| Ok(vec![stored(2)]));
        outbox
            .expect_mark_failed()
            .withf(|_, claim, next, error| {
                *claim == CLAIM && *next == Some(NOW + Duration::seconds(20)) && error.contains("down")
            })
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .returning(|_| Err(DeliveryError::Temporary("server down".into())));
        delivery(outbox, mail).run_once().await.unwrap();

        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .returning(|_, _, _, _| Ok(vec![stored(9)]));
        outbox
            .expect_mark_failed()
            .withf(|_, _, next, _| next.is_none())
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .returning(|_| Err(DeliveryError::Temporary("server down".into())));
        delivery(outbox, mail).run_once().await.unwrap();
    }

    #[tokio::test]
    async fn permanent_failures_abandon_at_once() {
        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .returning(|_, _, _, _| Ok(vec![stored(0)]));
        outbox
            .expect_mark_failed()
            .withf(|_, _, next, _| next.is_none())
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        let mut mail = MockMailSender::new();
        mail.expect_send()
            .returning(|_| Err(DeliveryError::Permanent("no such mailbox".into())));
        delivery(outbox, mail).run_once().await.unwrap();
    }

    /// Sends to `slow@…` wait until a send to another address has happened: one at a time,
    /// the batch would never end.
    struct SlowUntilAnotherIsSent(tokio::sync::Notify);

    #[async_trait::async_trait]
    impl MailSender for SlowUntilAnotherIsSent {
        async fn send(&self, mail: &Mail) -> Result<(), DeliveryError> {
            if mail.to.starts_with("slow@") {
                self.0.notified().await;
            } else {
                self.0.notify_one();
            }
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_slow_send_does_not_hold_up_the_rest_of_the_batch() {
        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .returning(|_, _, _, _| Ok(vec![to(0, "slow@b.co", 1), to(0, "fast@b.co", 2)]));
        outbox.expect_mark_sent().times(2).returning(|_, _, _| Ok(true));
        let delivery = delivery(outbox, SlowUntilAnotherIsSent(tokio::sync::Notify::new()));
        let report = tokio::time::timeout(std::time::Duration::from_secs(30), delivery.run_once())
            .await
            .expect("the batch ends")
            .unwrap();
        assert_eq!(report.sent, 2);
    }

    #[tokio::test]
    async fn an_outcome_that_cannot_be_recorded_does_not_drop_the_others() {
        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .returning(|_, _, _, _| Ok(vec![to(0, "a@b.co", 1), to(0, "b@b.co", 2), to(0, "c@b.co", 3)]));
        outbox
            .expect_mark_sent()
            .times(3)
            .returning(|id, _, _| match id.0.as_u128() {
                1 => Err(StoreError::Unavailable("gone".into())),
                2 => Ok(false),
                _ => Ok(true),
            });
        let mut mail = MockMailSender::new();
        mail.expect_send().times(3).returning(|_| Ok(()));
        let report = delivery(outbox, mail).run_once().await.unwrap();
        assert_eq!(report.claimed, 3);
        assert_eq!(report.sent, 1);
        assert_eq!(report.claims_lost, 1);
        assert_eq!(report.unrecorded.len(), 1);
    }

    /// Every send takes the whole timeout (on tokio's paused clock, so no real waiting).
    struct AlwaysAtTheDeadline(std::time::Duration);

    #[async_trait::async_trait]
    impl MailSender for AlwaysAtTheDeadline {
        async fn send(&self, _: &Mail) -> Result<(), DeliveryError> {
            tokio::time::sleep(self.0).await;
            Err(DeliveryError::Temporary("timed out".into()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lease_outlasts_a_batch_whose_every_send_runs_into_the_timeout() {
        for (batch, concurrency) in [(1, 1), (10, 10), (10, 3), (5, 1), (7, 100)] {
            let settings = DeliverySettings {
                batch,
                concurrency,
                send_timeout: Duration::seconds(30),
                ..Default::default()
            };
            let mut outbox = MockOutbox::new();
            outbox.expect_claim_due().returning(move |_, _, limit, _| {
                Ok((0..limit as u128).map(|i| to(0, "a@b.co", i)).collect())
            });
            outbox.expect_mark_failed().returning(|_, _, _, _| Ok(true));
            let timeout = std::time::Duration::from_secs(30);
            let mut delivery = delivery(outbox, AlwaysAtTheDeadline(timeout));
            delivery.settings = settings.clone();
            let started = tokio::time::Instant::now();
            let report = delivery.run_once().await.unwrap();
            assert_eq!(report.failed, batch as usize);
            let took = started.elapsed();
            assert!(
                took < std::time::Duration::try_from(settings.lease()).unwrap(),
                "{batch}/{concurrency}: the batch took {took:?}, the lease is {:?}",
                settings.lease()
            );
        }
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let d = delivery(MockOutbox::new(), MockMailSender::new());
        assert_eq!(d.backoff(1), Duration::seconds(5));
        assert_eq!(d.backoff(2), Duration::seconds(10));
        assert_eq!(d.backoff(30), Duration::hours(1));
    }
}
