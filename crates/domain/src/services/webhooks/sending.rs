//! Delivering what the commits wrote: each due delivery signed and posted, its outcome recorded
//! under the claim; failures retried with exponential backoff and jitter within the retry
//! window, then abandoned; an endpoint that failed every try for long enough disabled, and its
//! tenant's operator told.

use std::sync::Arc;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::error::DomainError;
use crate::message::{ClaimId, MessageId, OutboundMessage};
use crate::messages::Content;
use crate::ports::{
    Clock, PostError, Randomness, StoreError, WebhookRepository, WebhookRequest, WebhookTransport,
};
use crate::services::Messages;
use crate::webhooks::{
    Attempt, Disabling, DueDelivery, Endpoint, FailedDelivery, Retrying, UrlPolicy, WebhookId,
};

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub policy: UrlPolicy,
    /// The longest one POST may take, connect to last byte.
    pub timeout: Duration,
    /// Wait after the first failure; doubles with each further one (with ±20 % jitter), at most
    /// an hour.
    pub retry_base: Duration,
    /// How long a delivery is tried before it is abandoned.
    pub retry_for: Duration,
    /// An endpoint whose every try failed for this long is disabled.
    pub disable_after: Duration,
    /// POSTs in flight at once, in all.
    pub concurrency: usize,
    /// POSTs in flight at once to one endpoint: a slow one never takes every slot.
    pub per_endpoint: usize,
    /// How long a delivery that ended (delivered or abandoned) stays listed.
    pub keep_for: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            policy: UrlPolicy::default(),
            timeout: Duration::seconds(15),
            retry_base: Duration::seconds(5),
            retry_for: Duration::hours(24),
            disable_after: Duration::days(3),
            concurrency: 32,
            per_endpoint: 4,
            keep_for: Duration::days(30),
        }
    }
}

const LONGEST_WAIT: Duration = Duration::hours(1);
/// Besides the POST: opening secrets and recording the outcome.
const LEASE_MARGIN: Duration = Duration::seconds(30);

impl WebhookSettings {
    /// How long a claim holds: one POST at its timeout, and the margin.
    pub fn lease(&self) -> Duration {
        self.timeout + LEASE_MARGIN
    }
}

/// What became of one claimed delivery.
#[derive(Debug)]
pub enum WebhookOutcome {
    Delivered,
    /// Failed; tried again later.
    Failed,
    /// Failed for the last time.
    Abandoned,
    /// The claim had lapsed: another worker holds the delivery now.
    ClaimLost,
    /// Recording the outcome failed: tried again once the lease lapses.
    Unrecorded(StoreError),
}

impl WebhookOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            WebhookOutcome::Delivered => "delivered",
            WebhookOutcome::Failed => "failed",
            WebhookOutcome::Abandoned => "abandoned",
            WebhookOutcome::ClaimLost => "claim_lost",
            WebhookOutcome::Unrecorded(_) => "unrecorded",
        }
    }
}

pub struct WebhookSending {
    store: Arc<dyn WebhookRepository>,
    transport: Arc<dyn WebhookTransport>,
    /// The operator's notice of a disabled endpoint, and the sealed signing secrets.
    messages: Messages,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
    settings: WebhookSettings,
}

impl WebhookSending {
    pub fn new(
        store: Arc<dyn WebhookRepository>,
        transport: Arc<dyn WebhookTransport>,
        messages: Messages,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
        settings: WebhookSettings,
    ) -> Self {
        WebhookSending {
            store,
            transport,
            messages,
            clock,
            random,
            settings,
        }
    }

    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// Claims up to `limit` due deliveries to endpoints not in `skip`.
    pub async fn claim(
        &self,
        limit: i64,
        skip: &[WebhookId],
    ) -> Result<(ClaimId, Vec<DueDelivery>), DomainError> {
        let claim = ClaimId(self.random.uuid());
        let due = self
            .store
            .claim_due(
                self.clock.now(),
                self.settings.lease(),
                limit,
                claim,
                skip,
                self.settings.per_endpoint,
            )
            .await?;
        Ok((claim, due))
    }

    /// Forgets the deliveries that ended longer ago than the settings keep them.
    pub async fn prune(&self) -> Result<u64, DomainError> {
        match self.clock.now().checked_sub(self.settings.keep_for) {
            Some(before) => Ok(self.store.prune(before).await?),
            // Kept longer than the calendar reaches: nothing is old enough.
            None => Ok(0),
        }
    }

    /// The wait before try number `attempts + 1`, jittered by ±20 %.
    pub fn backoff(&self, attempts: usize) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20) as u32;
        let wait = (self.settings.retry_base * 2_i32.pow(doublings)).min(LONGEST_WAIT);
        wait * (self.random.int_in(80, 120) as f64 / 100.0)
    }

    /// The request for `due` at `now`: the event's body, signed with every secret that signs.
    fn request(&self, due: &DueDelivery, now: OffsetDateTime) -> Result<WebhookRequest, PostError> {
        let secrets = due
            .endpoint
            .signing_secrets(now)
            .into_iter()
            .map(|sealed| self.messages.sealer.open(sealed))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| PostError::Failed("the endpoint's secret cannot be opened".into()))?;
        Ok(WebhookRequest {
            url: due.endpoint.url.clone(),
            id: due.event.id.clone(),
            timestamp: now.unix_timestamp(),
            body: due.event.body(),
            secrets,
        })
    }

    /// Posts one claimed delivery and records what came of it.
    pub async fn deliver(&self, due: &DueDelivery, claim: ClaimId) -> WebhookOutcome {
        let started = self.clock.now();
        let answer = match self.request(due, started) {
            Ok(request) => self.transport.post(&request).await,
            Err(refused) => Err(refused),
        };
        let now = self.clock.now();
        let duration_ms = (now - started).whole_milliseconds().max(0) as i64;
        let (status_code, error) = match answer {
            Ok(status) if (200..300).contains(&status) => (Some(status), None),
            Ok(status) => (Some(status), Some(format!("the endpoint answered {status}"))),
            Err(error) => (None, Some(error.to_string())),
        };
        let attempt = Attempt {
            at: started,
            status_code,
            duration_ms,
            error,
        };
        let (recorded, outcome) = if attempt.error.is_none() {
            (
                self.store.record_success(due.delivery.id, claim, &attempt).await,
                WebhookOutcome::Delivered,
            )
        } else {
            let failure = self.failure(due, attempt, now).await;
            let outcome = match failure.next {
                Retrying::At(_) => WebhookOutcome::Failed,
                Retrying::GiveUp => WebhookOutcome::Abandoned,
            };
            (
                self.store.record_failure(due.delivery.id, claim, &failure).await,
                outcome,
            )
        };
        match recorded {
            Ok(true) => outcome,
            Ok(false) => WebhookOutcome::ClaimLost,
            Err(error) => WebhookOutcome::Unrecorded(error),
        }
    }

    /// What a failed try leads to: the next one inside the window, or none; the endpoint
    /// disabled when it has failed every try since long enough.
    async fn failure(&self, due: &DueDelivery, attempt: Attempt, now: OffsetDateTime) -> FailedDelivery {
        let tried = due.delivery.attempts.len() + 1;
        let next_at = now + self.backoff(tried);
        let next = if next_at <= due.delivery.window_from + self.settings.retry_for {
            Retrying::At(next_at)
        } else {
            Retrying::GiveUp
        };
        let failing_long = due
            .endpoint
            .failing_since
            .is_some_and(|since| now - since >= self.settings.disable_after);
        let disable_endpoint = if failing_long && due.endpoint.disabled_at.is_none() {
            Some(Disabling {
                failing_since_by: now - self.settings.disable_after,
                notice: self.operator_notice(&due.endpoint, now).await,
            })
        } else {
            None
        };
        FailedDelivery {
            attempt,
            next,
            disable_endpoint,
        }
    }

    /// The mail to the tenant's operator about `endpoint` being disabled, if it has one.
    async fn operator_notice(&self, endpoint: &Endpoint, now: OffsetDateTime) -> Option<OutboundMessage> {
        let tenant = match self.messages.tenants.get_tenant(&endpoint.tenant).await {
            Ok(tenant) => tenant?,
            Err(error) => {
                tracing::warn!(%error, "the tenant's operator address could not be read; the endpoint is disabled without a notice");
                return None;
            }
        };
        let recipient = tenant.settings.operator_email?;
        let since = endpoint
            .failing_since
            .and_then(|since| since.format(&Rfc3339).ok())
            .unwrap_or_default();
        // Without its query or fragment: a URL may carry a token, and the mail is kept readable.
        let url = endpoint.url.split(['?', '#']).next().unwrap_or_default();
        let content = Content::WebhookDisabled {
            url,
            endpoint: &endpoint.id.to_string(),
            failing_since: &since,
        };
        let rendered = match self.messages.render(&endpoint.tenant, None, &content).await {
            Ok(rendered) => rendered,
            Err(error) => {
                tracing::warn!(%error, "the operator's notice could not be written; the endpoint is disabled without one");
                return None;
            }
        };
        let id = MessageId(self.random.uuid());
        Some(
            self.messages
                .sealed(id, &endpoint.tenant, &recipient, rendered, now),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::ports::{
        MockClock, MockRandomness, MockSealer, MockTenantRepository, MockWebhookRepository,
        MockWebhookTransport,
    };
    use crate::tenant::{Tenant, TenantId, TenantSettings};
    use crate::webhooks::{
        DeliveryId, DeliveryStatus, Event, EventFilter, EventType, StoredEvent, WebhookDelivery,
    };

    const NOW: OffsetDateTime = datetime!(2026-12-07 12:00 UTC);
    const CLAIM: ClaimId = ClaimId(Uuid::from_u128(9));

    fn due(tries: usize, window_from: OffsetDateTime, failing_since: Option<OffsetDateTime>) -> DueDelivery {
        let tenant = TenantId::default_tenant();
        let endpoint = Endpoint {
            id: WebhookId(Uuid::from_u128(1)),
            tenant: tenant.clone(),
            url: "https://hooks.example.com/?token=abc".into(),
            events: EventFilter::All,
            description: None,
            sealed_secret: "sealed".into(),
            previous_secret: None,
            created_at: window_from,
            updated_at: window_from,
            disabled_at: None,
            failing_since,
        };
        let event = Event {
            tenant: tenant.clone(),
            account: None,
            kind: EventType::WebhookTest,
            data: Default::default(),
            at: window_from,
        };
        let attempt = Attempt {
            at: window_from,
            status_code: Some(500),
            duration_ms: 3,
            error: Some("the endpoint answered 500".into()),
        };
        DueDelivery {
            delivery: WebhookDelivery {
                id: DeliveryId(Uuid::from_u128(2)),
                tenant,
                endpoint: endpoint.id,
                event_id: "evt_1".into(),
                event_type: EventType::WebhookTest,
                account: None,
                status: DeliveryStatus::Pending,
                attempts: vec![attempt; tries],
                next_attempt_at: Some(NOW),
                window_from,
                created_at: window_from,
                delivered_at: None,
            },
            endpoint,
            event: StoredEvent {
                id: "evt_1".into(),
                event,
                customer_id: None,
            },
        }
    }

    /// Sending with the endpoint answering `status`; what was recorded.
    async fn failing_once(
        due: DueDelivery,
        status: u16,
        operator: Option<&str>,
    ) -> (WebhookOutcome, FailedDelivery) {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(NOW);
        let mut random = MockRandomness::new();
        random.expect_int_in().returning(|min, max| (min + max) / 2);
        random.expect_uuid().returning(|| Uuid::from_u128(3));
        let mut sealer = MockSealer::new();
        sealer.expect_open().returning(|_| Ok("whsec_AAAA".into()));
        sealer
            .expect_seal()
            .returning(|clear| format!("sealed:{}", clear.len()));
        let mut transport = MockWebhookTransport::new();
        transport.expect_post().returning(move |_| Ok(status));
        let mut tenants = MockTenantRepository::new();
        let operator = operator.map(str::to_owned);
        tenants.expect_get_tenant().returning(move |id| {
            Ok(Some(Tenant {
                id: id.clone(),
                name: "Acme".into(),
                settings: TenantSettings {
                    operator_email: operator.clone(),
                    ..TenantSettings::default()
                },
                created_at: NOW,
            }))
        });
        let recorded = std::sync::Arc::new(Mutex::new(None));
        let mut store = MockWebhookRepository::new();
        let keep = recorded.clone();
        store.expect_record_failure().returning(move |_, _, failure| {
            *keep.lock().unwrap() = Some(failure.clone());
            Ok(true)
        });
        let sending = WebhookSending::new(
            Arc::new(store),
            Arc::new(transport),
            crate::services::support::test_support::messages(tenants, sealer),
            Arc::new(clock),
            Arc::new(random),
            WebhookSettings::default(),
        );
        let outcome = sending.deliver(&due, CLAIM).await;
        let failure = recorded.lock().unwrap().take().expect("a failure was recorded");
        (outcome, failure)
    }

    #[tokio::test]
    async fn a_failure_is_retried_later_and_later_within_the_window_then_abandoned() {
        let (outcome, failure) = failing_once(due(0, NOW, None), 500, None).await;
        assert!(matches!(outcome, WebhookOutcome::Failed));
        assert_eq!(failure.next, Retrying::At(NOW + Duration::seconds(5)));
        assert_eq!(failure.attempt.status_code, Some(500));
        assert!(failure.disable_endpoint.is_none());
        let (_, later) = failing_once(due(4, NOW - Duration::hours(1), None), 503, None).await;
        assert_eq!(later.next, Retrying::At(NOW + Duration::seconds(80)));
        let (outcome, last) = failing_once(
            due(30, NOW - Duration::hours(23) - Duration::minutes(30), None),
            500,
            None,
        )
        .await;
        assert!(matches!(outcome, WebhookOutcome::Abandoned));
        assert_eq!(last.next, Retrying::GiveUp);
    }

    #[tokio::test]
    async fn an_endpoint_failing_every_try_for_three_days_is_disabled_and_its_operator_told() {
        let (_, recent) = failing_once(
            due(3, NOW, Some(NOW - Duration::days(2))),
            500,
            Some("ops@acme.example"),
        )
        .await;
        assert!(recent.disable_endpoint.is_none());
        let (_, long) = failing_once(
            due(3, NOW, Some(NOW - Duration::days(3))),
            500,
            Some("ops@acme.example"),
        )
        .await;
        let disabling = long.disable_endpoint.expect("disabled");
        assert_eq!(disabling.failing_since_by, NOW - Duration::days(3));
        let notice = disabling.notice.expect("the operator is told");
        assert_eq!(notice.recipient, "ops@acme.example");
        assert!(notice.masked_text.contains("https://hooks.example.com/"));
        assert!(!notice.masked_text.contains("token="), "the query is left out");
        let (_, unnamed) = failing_once(due(3, NOW, Some(NOW - Duration::days(4))), 500, None).await;
        assert_eq!(
            unnamed.disable_endpoint.expect("disabled").notice,
            None,
            "disabled, with no one to tell"
        );
    }

    #[test]
    fn the_wait_doubles_with_jitter_up_to_an_hour() {
        let mut random = MockRandomness::new();
        random.expect_int_in().returning(|min, _| min);
        let sending = WebhookSending::new(
            Arc::new(MockWebhookRepository::new()),
            Arc::new(MockWebhookTransport::new()),
            crate::services::support::test_support::messages(MockTenantRepository::new(), MockSealer::new()),
            Arc::new(MockClock::new()),
            Arc::new(random),
            WebhookSettings::default(),
        );
        assert_eq!(sending.backoff(1), Duration::seconds(4));
        assert_eq!(sending.backoff(2), Duration::seconds(8));
        assert_eq!(sending.backoff(40), Duration::minutes(48));
    }
}
