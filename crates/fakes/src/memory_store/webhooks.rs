//! Webhook endpoints and deliveries, as the database keeps them.

use async_trait::async_trait;
use clientele_domain::message::{ClaimId, DeliveryStatus as MessageStatus, StoredMessage};
use clientele_domain::ports::{StoreError, WebhookRepository};
use clientele_domain::tenant::TenantId;
use clientele_domain::webhooks::{
    Attempt, DeliveryId, DeliveryStatus, DueDelivery, Endpoint, Event, FailedDelivery, Retrying, StoredEvent,
    WebhookDelivery, WebhookId,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{MemoryStore, State};

/// The webhook tables.
#[derive(Clone, Default)]
pub(super) struct Webhooks {
    endpoints: Vec<Endpoint>,
    events: Vec<StoredEvent>,
    /// With their order of commit and claim.
    deliveries: Vec<(u64, WebhookDelivery, Option<ClaimId>)>,
    next_seq: u64,
}

impl Webhooks {
    fn keep(&mut self, event: &Event) -> String {
        let id = format!("evt_{}", Uuid::new_v4().simple());
        self.events.push(StoredEvent {
            id: id.clone(),
            event: event.clone(),
            customer_id: None,
        });
        id
    }

    fn deliver_to(&mut self, endpoint: &Endpoint, event: &Event, stored: String) -> DeliveryId {
        let id = DeliveryId(Uuid::new_v4());
        self.next_seq += 1;
        self.deliveries.push((
            self.next_seq,
            WebhookDelivery {
                id,
                tenant: event.tenant.clone(),
                endpoint: endpoint.id,
                event_id: stored,
                event_type: event.kind,
                account: event.account,
                status: DeliveryStatus::Pending,
                attempts: Vec::new(),
                next_attempt_at: Some(event.at),
                window_from: event.at,
                created_at: event.at,
                delivered_at: None,
            },
            None,
        ));
        id
    }

    /// Each event to every enabled endpoint of its tenant that receives it.
    pub(super) fn announce(&mut self, events: &[Event]) {
        for event in events {
            let receiving: Vec<Endpoint> = self
                .endpoints
                .iter()
                .filter(|e| e.tenant == event.tenant && e.receives(event.kind))
                .cloned()
                .collect();
            if receiving.is_empty() {
                continue;
            }
            let stored = self.keep(event);
            for endpoint in receiving {
                self.deliver_to(&endpoint, event, stored.clone());
            }
        }
    }

    /// An erased account's events name it and nothing else.
    pub(super) fn erase(&mut self, tenant: &TenantId, account: clientele_domain::account::AccountUuid) {
        for stored in &mut self.events {
            if stored.event.tenant == *tenant && stored.event.account == Some(account) {
                stored.event.data.clear();
            }
        }
    }

    fn held(
        &mut self,
        id: DeliveryId,
        claim: ClaimId,
    ) -> Option<&mut (u64, WebhookDelivery, Option<ClaimId>)> {
        self.deliveries
            .iter_mut()
            .find(|(_, d, held)| d.id == id && d.status == DeliveryStatus::Pending && *held == Some(claim))
    }

    fn endpoint_mut(&mut self, tenant: &TenantId, id: WebhookId) -> Option<&mut Endpoint> {
        self.endpoints
            .iter_mut()
            .find(|e| e.tenant == *tenant && e.id == id)
    }
}

#[async_trait]
impl WebhookRepository for MemoryStore {
    async fn create_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        self.state().webhooks.endpoints.push(endpoint.clone());
        Ok(())
    }

    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<Endpoint>, StoreError> {
        let mut found: Vec<Endpoint> = self
            .state()
            .webhooks
            .endpoints
            .iter()
            .filter(|e| e.tenant == *tenant)
            .cloned()
            .collect();
        found.sort_by_key(|e| (e.created_at, e.id.0.to_string()));
        Ok(found)
    }

    async fn endpoint(&self, tenant: &TenantId, id: WebhookId) -> Result<Option<Endpoint>, StoreError> {
        Ok(self.state().webhooks.endpoint_mut(tenant, id).map(|e| e.clone()))
    }

    async fn update_endpoint(&self, current: &Endpoint, next: &Endpoint) -> Result<bool, StoreError> {
        let mut state = self.state();
        let hooks = &mut state.webhooks;
        let Some(stored) = hooks.endpoint_mut(&current.tenant, current.id) else {
            return Ok(false);
        };
        if stored.updated_at != current.updated_at || stored.disabled_at != current.disabled_at {
            return Ok(false);
        }
        let failing_since = stored.failing_since;
        *stored = Endpoint {
            failing_since,
            ..next.clone()
        };
        if current.disabled_at.is_some() && next.disabled_at.is_none() {
            stored.failing_since = None;
            for (_, delivery, _) in hooks.deliveries.iter_mut().filter(|(_, d, _)| {
                d.tenant == next.tenant && d.endpoint == next.id && d.status == DeliveryStatus::Pending
            }) {
                delivery.window_from = next.updated_at;
            }
        }
        Ok(true)
    }

    async fn delete_endpoint(&self, tenant: &TenantId, id: WebhookId) -> Result<bool, StoreError> {
        let mut state = self.state();
        let hooks = &mut state.webhooks;
        let before = hooks.endpoints.len();
        hooks.endpoints.retain(|e| !(e.tenant == *tenant && e.id == id));
        hooks
            .deliveries
            .retain(|(_, d, _)| !(d.tenant == *tenant && d.endpoint == id));
        Ok(hooks.endpoints.len() < before)
    }

    async fn enqueue(&self, endpoint: &Endpoint, event: &Event) -> Result<DeliveryId, StoreError> {
        let mut state = self.state();
        let stored = state.webhooks.keep(event);
        Ok(state.webhooks.deliver_to(endpoint, event, stored))
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        endpoint: WebhookId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let state = self.state();
        let mut found: Vec<&(u64, WebhookDelivery, Option<ClaimId>)> = state
            .webhooks
            .deliveries
            .iter()
            .filter(|(_, d, _)| d.tenant == *tenant && d.endpoint == endpoint)
            .filter(|(_, d, _)| status.is_none_or(|s| d.status == s))
            .collect();
        found.sort_by_key(|(seq, d, _)| std::cmp::Reverse((d.created_at, *seq)));
        Ok(found
            .into_iter()
            .take(limit.max(0) as usize)
            .map(|(_, d, _)| d.clone())
            .collect())
    }

    async fn retry(
        &self,
        tenant: &TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
        now: OffsetDateTime,
    ) -> Result<Option<bool>, StoreError> {
        let mut state = self.state();
        let Some((_, delivery, claim)) = state
            .webhooks
            .deliveries
            .iter_mut()
            .find(|(_, d, _)| d.tenant == *tenant && d.endpoint == endpoint && d.id == id)
        else {
            return Ok(None);
        };
        if delivery.status == DeliveryStatus::Pending {
            return Ok(Some(false));
        }
        delivery.status = DeliveryStatus::Pending;
        delivery.next_attempt_at = Some(now);
        delivery.window_from = now;
        *claim = None;
        Ok(Some(true))
    }

    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
        skip: &[WebhookId],
        per_endpoint: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let mut state = self.state();
        let state: &mut State = &mut state;
        let hooks = &mut state.webhooks;
        let pending: Vec<(u64, WebhookDelivery)> = hooks
            .deliveries
            .iter()
            .filter(|(_, d, _)| d.status == DeliveryStatus::Pending)
            .map(|(seq, d, _)| (*seq, d.clone()))
            .collect();
        let mut due: Vec<(u64, WebhookDelivery)> = pending
            .iter()
            .filter(|(_, d)| d.next_attempt_at.is_some_and(|at| at <= now) && !skip.contains(&d.endpoint))
            .filter(|(seq, d)| {
                // Each customer's oldest pending delivery to an endpoint goes first.
                !pending.iter().any(|(other, o)| {
                    o.tenant == d.tenant
                        && o.endpoint == d.endpoint
                        && o.account.is_some()
                        && o.account == d.account
                        && other < seq
                })
            })
            .filter(|(_, d)| {
                hooks
                    .endpoints
                    .iter()
                    .any(|e| e.tenant == d.tenant && e.id == d.endpoint && e.disabled_at.is_none())
            })
            .cloned()
            .collect();
        due.sort_by_key(|(seq, d)| (d.next_attempt_at, *seq));
        let mut taken: std::collections::HashMap<WebhookId, usize> = Default::default();
        due.retain(|(_, d)| {
            let count = taken.entry(d.endpoint).or_default();
            *count += 1;
            *count <= per_endpoint.max(1)
        });
        due.truncate(limit.max(0) as usize);
        let mut claimed = Vec::with_capacity(due.len());
        for (seq, _) in due {
            let Some((_, delivery, held)) = hooks.deliveries.iter_mut().find(|(s, _, _)| *s == seq) else {
                continue;
            };
            delivery.next_attempt_at = Some(now + lease);
            *held = Some(claim);
            let delivery = delivery.clone();
            let endpoint = hooks
                .endpoints
                .iter()
                .find(|e| e.tenant == delivery.tenant && e.id == delivery.endpoint)
                .cloned()
                .ok_or(StoreError::Unavailable("a delivery without its endpoint".into()))?;
            let mut event = hooks
                .events
                .iter()
                .find(|e| e.id == delivery.event_id)
                .cloned()
                .ok_or(StoreError::Unavailable("a delivery without its event".into()))?;
            event.customer_id = delivery
                .account
                .and_then(|a| state.accounts.get(&(delivery.tenant.clone(), a)))
                .map(|a| a.public_id.0);
            claimed.push(DueDelivery {
                delivery,
                endpoint,
                event,
            });
        }
        Ok(claimed)
    }

    async fn record_success(
        &self,
        id: DeliveryId,
        claim: ClaimId,
        attempt: &Attempt,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let hooks = &mut state.webhooks;
        let Some((_, delivery, held)) = hooks.held(id, claim) else {
            return Ok(false);
        };
        delivery.status = DeliveryStatus::Delivered;
        delivery.delivered_at = Some(attempt.at);
        delivery.next_attempt_at = None;
        delivery.attempts.push(attempt.clone());
        *held = None;
        let (tenant, endpoint) = (delivery.tenant.clone(), delivery.endpoint);
        if let Some(endpoint) = hooks.endpoint_mut(&tenant, endpoint) {
            endpoint.failing_since = None;
        }
        Ok(true)
    }

    async fn record_failure(
        &self,
        id: DeliveryId,
        claim: ClaimId,
        failure: &FailedDelivery,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let state: &mut State = &mut state;
        let hooks = &mut state.webhooks;
        let Some((_, delivery, held)) = hooks.held(id, claim) else {
            return Ok(false);
        };
        delivery.attempts.push(failure.attempt.clone());
        match failure.next {
            Retrying::At(next) => delivery.next_attempt_at = Some(next),
            Retrying::GiveUp => {
                delivery.status = DeliveryStatus::Abandoned;
                delivery.next_attempt_at = None;
                *held = None;
            }
        }
        let (tenant, endpoint) = (delivery.tenant.clone(), delivery.endpoint);
        let Some(endpoint) = hooks.endpoint_mut(&tenant, endpoint) else {
            return Ok(true);
        };
        let at = failure.attempt.at;
        let since = *endpoint.failing_since.get_or_insert(at);
        if let Some(disabling) = &failure.disable_endpoint {
            if endpoint.disabled_at.is_none() && since <= disabling.failing_since_by {
                endpoint.disabled_at = Some(at);
                if let Some(message) = &disabling.notice {
                    state.outbox.push(StoredMessage {
                        message: message.clone(),
                        status: MessageStatus::Pending,
                        attempts: 0,
                        next_attempt_at: message.created_at,
                        last_error: None,
                        sent_at: None,
                    });
                }
            }
        }
        Ok(true)
    }

    async fn prune(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut state = self.state();
        let hooks = &mut state.webhooks;
        let count = hooks.deliveries.len();
        // Ended when delivered, or at the last try when abandoned.
        let ended = |d: &WebhookDelivery| d.delivered_at.or_else(|| d.attempts.last().map(|a| a.at));
        hooks.deliveries.retain(|(_, d, _)| {
            d.status == DeliveryStatus::Pending || ended(d).is_none_or(|at| at >= before)
        });
        let gone = (count - hooks.deliveries.len()) as u64;
        let named: std::collections::HashSet<String> = hooks
            .deliveries
            .iter()
            .map(|(_, d, _)| d.event_id.clone())
            .collect();
        hooks
            .events
            .retain(|e| e.event.at >= before || named.contains(&e.id));
        Ok(gone)
    }

    async fn backlog(&self) -> Result<(u64, Option<OffsetDateTime>), StoreError> {
        let state = self.state();
        let pending = state
            .webhooks
            .deliveries
            .iter()
            .filter(|(_, d, _)| d.status == DeliveryStatus::Pending);
        let (count, oldest) = pending.fold((0u64, None::<OffsetDateTime>), |(n, oldest), (_, d, _)| {
            (n + 1, Some(oldest.map_or(d.created_at, |o| o.min(d.created_at))))
        });
        Ok((count, oldest))
    }
}
