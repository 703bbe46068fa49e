//! A tenant's endpoints as the back office manages them.

use std::sync::Arc;

use base64::Engine;
use serde_json::json;

use super::WebhookSettings;
use crate::error::{DomainError, FieldErrors};
use crate::ports::{Clock, Randomness, Sealer, TenantRepository, WebhookRepository, WebhookTransport};
use crate::tenant::TenantId;
use crate::webhooks::{
    checked_description, field, DeliveryId, DeliveryStatus, Endpoint, EndpointChange, Event, EventFilter,
    EventType, WebhookDelivery, WebhookId, SECRET_PREFIX,
};

/// Endpoints a tenant may have.
const MOST_ENDPOINTS: usize = 50;
/// Random bytes in a signing secret.
const SECRET_BYTES: usize = 32;
/// Reads of an endpoint a change makes before it gives up on one that keeps changing.
const ATTEMPTS: usize = 5;

/// An endpoint as asked for: raw, checked here.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub disabled: Option<bool>,
}

/// An endpoint just created or re-keyed: the only time its secret is shown.
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    pub secret: String,
}

impl std::fmt::Debug for CreatedEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedEndpoint")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

pub struct Webhooks {
    store: Arc<dyn WebhookRepository>,
    tenants: Arc<dyn TenantRepository>,
    transport: Arc<dyn WebhookTransport>,
    sealer: Arc<dyn Sealer>,
    random: Arc<dyn Randomness>,
    clock: Arc<dyn Clock>,
    settings: WebhookSettings,
}

impl Webhooks {
    pub fn new(
        store: Arc<dyn WebhookRepository>,
        tenants: Arc<dyn TenantRepository>,
        transport: Arc<dyn WebhookTransport>,
        sealer: Arc<dyn Sealer>,
        random: Arc<dyn Randomness>,
        clock: Arc<dyn Clock>,
        settings: WebhookSettings,
    ) -> Self {
        Webhooks {
            store,
            tenants,
            transport,
            sealer,
            random,
            clock,
            settings,
        }
    }

    async fn tenant(&self, tenant: &str) -> Result<TenantId, DomainError> {
        let id = TenantId::parse(tenant).ok_or(DomainError::NotFound)?;
        self.tenants.get_tenant(&id).await?.ok_or(DomainError::NotFound)?;
        Ok(id)
    }

    /// A new secret: `whsec_` and the base64 of 32 random bytes; in clear and sealed.
    fn new_secret(&self) -> (String, String) {
        let bytes: Vec<u8> = (0..SECRET_BYTES)
            .map(|_| self.random.int_in(0, 255) as u8)
            .collect();
        let secret = format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        let sealed = self.sealer.seal(&secret);
        (secret, sealed)
    }

    /// The URL, if the policy admits its form and its host resolves only to admitted addresses.
    async fn checked_url(&self, raw: &str) -> Result<String, DomainError> {
        let url = self
            .settings
            .policy
            .parse(raw)
            .map_err(|refusal| FieldErrors::single(field::URL, refusal.to_string()))?;
        self.transport
            .check(&url)
            .await
            .map_err(|refusal| FieldErrors::single(field::URL, refusal.to_string()))?;
        Ok(url.as_str().to_owned())
    }

    pub async fn create(&self, tenant: &str, input: EndpointInput) -> Result<CreatedEndpoint, DomainError> {
        let tenant = self.tenant(tenant).await?;
        let mut errors = FieldErrors::new();
        let events = match input.events.as_deref() {
            Some(names) => EventFilter::parse(names).map_err(|e| errors.extend(e)).ok(),
            None => {
                errors.add(field::EVENTS, "is required: event type names, or [\"*\"]");
                None
            }
        };
        let description = checked_description(input.description.flatten().as_deref())
            .map_err(|e| errors.extend(e))
            .ok();
        let Some(raw_url) = input.url.as_deref() else {
            errors.add(field::URL, "is required");
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let url = self.checked_url(raw_url).await?;
        if self.store.endpoints(&tenant).await?.len() >= MOST_ENDPOINTS {
            return Err(DomainError::Conflict(format!(
                "a tenant has at most {MOST_ENDPOINTS} webhook endpoints"
            )));
        }
        let now = self.clock.now();
        let (secret, sealed_secret) = self.new_secret();
        let endpoint = Endpoint {
            id: WebhookId(self.random.uuid()),
            tenant,
            url,
            events: events.expect("checked above"),
            description: description.flatten(),
            sealed_secret,
            previous_secret: None,
            created_at: now,
            updated_at: now,
            disabled_at: None,
            failing_since: None,
        };
        self.store.create_endpoint(&endpoint).await?;
        Ok(CreatedEndpoint { endpoint, secret })
    }

    pub async fn list(&self, tenant: &str) -> Result<Vec<Endpoint>, DomainError> {
        let tenant = self.tenant(tenant).await?;
        Ok(self.store.endpoints(&tenant).await?)
    }

    pub async fn get(&self, tenant: &str, id: WebhookId) -> Result<Endpoint, DomainError> {
        let tenant = self.tenant(tenant).await?;
        self.store
            .endpoint(&tenant, id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn update(
        &self,
        tenant: &str,
        id: WebhookId,
        input: EndpointInput,
    ) -> Result<Endpoint, DomainError> {
        let mut errors = FieldErrors::new();
        let events = match input.events.as_deref() {
            Some(names) => EventFilter::parse(names).map_err(|e| errors.extend(e)).ok(),
            None => None,
        };
        let description = match input.description {
            Some(raw) => checked_description(raw.as_deref())
                .map_err(|e| errors.extend(e))
                .ok(),
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let url = match input.url.as_deref() {
            Some(raw) => Some(self.checked_url(raw).await?),
            None => None,
        };
        let change = EndpointChange {
            url,
            events,
            description,
            disabled: input.disabled,
        };
        self.changing(tenant, id, |current, now| current.changed(change.clone(), now))
            .await
    }

    /// Writes `change` of the endpoint as it is now: read again when it changed meanwhile (a
    /// rotation, or the delivery disabling it), so that neither is undone.
    async fn changing(
        &self,
        tenant: &str,
        id: WebhookId,
        change: impl Fn(&Endpoint, time::OffsetDateTime) -> Endpoint,
    ) -> Result<Endpoint, DomainError> {
        for _ in 0..ATTEMPTS {
            let current = self.get(tenant, id).await?;
            let next = change(&current, self.clock.now());
            if self.store.update_endpoint(&current, &next).await? {
                return Ok(next);
            }
        }
        Err(DomainError::Conflict(
            "the endpoint kept changing concurrently; try again".into(),
        ))
    }

    pub async fn delete(&self, tenant: &str, id: WebhookId) -> Result<(), DomainError> {
        let tenant = self.tenant(tenant).await?;
        if self.store.delete_endpoint(&tenant, id).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// A new secret; the one it replaces still signs (beside it) for a day. Rotating again
    /// within that day ends the oldest at once: two secrets sign at most.
    pub async fn rotate_secret(&self, tenant: &str, id: WebhookId) -> Result<CreatedEndpoint, DomainError> {
        let (secret, sealed) = self.new_secret();
        let endpoint = self
            .changing(tenant, id, |current, now| current.rotated(sealed.clone(), now))
            .await?;
        Ok(CreatedEndpoint { endpoint, secret })
    }

    /// A `webhook.test` event for this endpoint alone, whatever it subscribes to (to a disabled
    /// one once it is enabled again).
    pub async fn test(&self, tenant: &str, id: WebhookId) -> Result<DeliveryId, DomainError> {
        let endpoint = self.get(tenant, id).await?;
        let event = Event {
            tenant: endpoint.tenant.clone(),
            account: None,
            kind: EventType::WebhookTest,
            data: match json!({"endpointId": endpoint.id.to_string()}) {
                serde_json::Value::Object(map) => map,
                _ => unreachable!(),
            },
            at: self.clock.now(),
        };
        Ok(self.store.enqueue(&endpoint, &event).await?)
    }

    pub async fn deliveries(
        &self,
        tenant: &str,
        id: WebhookId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, DomainError> {
        let endpoint = self.get(tenant, id).await?;
        Ok(self
            .store
            .deliveries(&endpoint.tenant, id, status, limit.clamp(1, 200))
            .await?)
    }

    /// Tries a delivery again (with a fresh retry window); `Conflict` while it is pending.
    pub async fn retry(&self, tenant: &str, id: WebhookId, delivery: DeliveryId) -> Result<(), DomainError> {
        let endpoint = self.get(tenant, id).await?;
        match self
            .store
            .retry(&endpoint.tenant, id, delivery, self.clock.now())
            .await?
        {
            None => Err(DomainError::NotFound),
            Some(false) => Err(DomainError::Conflict("the delivery is pending already".into())),
            Some(true) => Ok(()),
        }
    }
}
