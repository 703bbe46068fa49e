//! The webhook tables' rows, and the domain's values they hold.

use std::collections::HashMap;

use clientele_domain::account::AccountUuid;
use clientele_domain::ports::StoreError;
use clientele_domain::tenant::TenantId;
use clientele_domain::webhooks::{
    Attempt, DeliveryId, DeliveryStatus, Endpoint, Event, EventFilter, EventType, StoredEvent,
    WebhookDelivery, WebhookId,
};
use diesel::prelude::*;
use time::PrimitiveDateTime;
use uuid::Uuid;

use crate::errors::corrupt;
use crate::rows::{from_db_time, to_db_time};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};

#[derive(Queryable, Selectable, Insertable, Clone)]
#[diesel(table_name = webhook_endpoints)]
pub(crate) struct EndpointRow {
    pub(crate) tenant_id: String,
    pub(crate) uuid: String,
    pub(crate) url: String,
    pub(crate) events: String,
    pub(crate) description: Option<String>,
    pub(crate) sealed_secret: String,
    pub(crate) previous_secret: Option<String>,
    pub(crate) previous_secret_until: Option<PrimitiveDateTime>,
    pub(crate) created_at: PrimitiveDateTime,
    pub(crate) updated_at: PrimitiveDateTime,
    pub(crate) disabled_at: Option<PrimitiveDateTime>,
    pub(crate) failing_since: Option<PrimitiveDateTime>,
}

impl From<&Endpoint> for EndpointRow {
    fn from(e: &Endpoint) -> Self {
        EndpointRow {
            tenant_id: e.tenant.as_str().to_owned(),
            uuid: e.id.0.to_string(),
            url: e.url.clone(),
            events: e.events.stored(),
            description: e.description.clone(),
            sealed_secret: e.sealed_secret.clone(),
            previous_secret: e.previous_secret.as_ref().map(|(s, _)| s.clone()),
            previous_secret_until: e.previous_secret.as_ref().map(|(_, until)| to_db_time(*until)),
            created_at: to_db_time(e.created_at),
            updated_at: to_db_time(e.updated_at),
            disabled_at: e.disabled_at.map(to_db_time),
            failing_since: e.failing_since.map(to_db_time),
        }
    }
}

impl TryFrom<EndpointRow> for Endpoint {
    type Error = StoreError;

    fn try_from(row: EndpointRow) -> Result<Self, StoreError> {
        Ok(Endpoint {
            id: WebhookId(Uuid::parse_str(&row.uuid).map_err(|_| corrupt("webhook endpoint id"))?),
            tenant: TenantId::parse(&row.tenant_id).ok_or_else(|| corrupt("webhook tenant"))?,
            url: row.url,
            events: EventFilter::from_stored(&row.events).ok_or_else(|| corrupt("webhook events"))?,
            description: row.description,
            sealed_secret: row.sealed_secret,
            previous_secret: row
                .previous_secret
                .zip(row.previous_secret_until)
                .map(|(secret, until)| (secret, from_db_time(until))),
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
            disabled_at: row.disabled_at.map(from_db_time),
            failing_since: row.failing_since.map(from_db_time),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, Clone)]
#[diesel(table_name = webhook_events)]
pub(crate) struct EventRow {
    pub(crate) tenant_id: String,
    pub(crate) id: String,
    pub(crate) account_uuid: Option<String>,
    pub(crate) event_type: String,
    pub(crate) data: String,
    pub(crate) created_at: PrimitiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub(crate) struct NewDeliveryRow {
    pub(crate) tenant_id: String,
    pub(crate) uuid: String,
    pub(crate) endpoint_uuid: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) account_uuid: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) next_attempt_at: PrimitiveDateTime,
    pub(crate) window_from: PrimitiveDateTime,
    pub(crate) created_at: PrimitiveDateTime,
}

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = webhook_deliveries)]
pub(crate) struct DeliveryRow {
    pub(crate) tenant_id: String,
    pub(crate) uuid: String,
    pub(crate) endpoint_uuid: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) account_uuid: Option<String>,
    pub(crate) status: String,
    pub(crate) next_attempt_at: PrimitiveDateTime,
    pub(crate) window_from: PrimitiveDateTime,
    pub(crate) claim: Option<String>,
    pub(crate) created_at: PrimitiveDateTime,
    pub(crate) delivered_at: Option<PrimitiveDateTime>,
}

pub(crate) fn row_claim(row: &DeliveryRow) -> String {
    row.claim.clone().unwrap_or_default()
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub(crate) struct AttemptRow {
    pub(crate) tenant_id: String,
    pub(crate) delivery_uuid: String,
    pub(crate) number: i32,
    pub(crate) attempted_at: PrimitiveDateTime,
    pub(crate) status_code: Option<i32>,
    pub(crate) duration_ms: i64,
    pub(crate) error: Option<String>,
}

pub(crate) fn uuid_of(raw: &str, what: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(raw).map_err(|_| corrupt(what))
}

pub(crate) fn delivery(row: DeliveryRow, attempts: Vec<AttemptRow>) -> Result<WebhookDelivery, StoreError> {
    let status = DeliveryStatus::parse(&row.status).ok_or_else(|| corrupt("webhook delivery status"))?;
    Ok(WebhookDelivery {
        id: DeliveryId(uuid_of(&row.uuid, "webhook delivery id")?),
        tenant: TenantId::parse(&row.tenant_id).ok_or_else(|| corrupt("webhook tenant"))?,
        endpoint: WebhookId(uuid_of(&row.endpoint_uuid, "webhook endpoint id")?),
        event_id: row.event_id,
        event_type: EventType::parse(&row.event_type).ok_or_else(|| corrupt("webhook event type"))?,
        account: row
            .account_uuid
            .as_deref()
            .map(|a| uuid_of(a, "webhook account").map(AccountUuid))
            .transpose()?,
        status,
        attempts: attempts
            .into_iter()
            .map(|a| Attempt {
                at: from_db_time(a.attempted_at),
                status_code: a.status_code.and_then(|c| u16::try_from(c).ok()),
                duration_ms: a.duration_ms,
                error: a.error,
            })
            .collect(),
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| from_db_time(row.next_attempt_at)),
        window_from: from_db_time(row.window_from),
        created_at: from_db_time(row.created_at),
        delivered_at: row.delivered_at.map(from_db_time),
    })
}

pub(crate) fn stored_event(row: EventRow, customer_id: Option<i64>) -> Result<StoredEvent, StoreError> {
    let data = match serde_json::from_str(&row.data) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => return Err(corrupt("webhook event data")),
    };
    Ok(StoredEvent {
        id: row.id,
        event: Event {
            tenant: TenantId::parse(&row.tenant_id).ok_or_else(|| corrupt("webhook tenant"))?,
            account: row
                .account_uuid
                .as_deref()
                .map(|a| uuid_of(a, "webhook account").map(AccountUuid))
                .transpose()?,
            kind: EventType::parse(&row.event_type).ok_or_else(|| corrupt("webhook event type"))?,
            data,
            at: from_db_time(row.created_at),
        },
        customer_id,
    })
}

pub(crate) fn event_row(event: &Event) -> EventRow {
    EventRow {
        tenant_id: event.tenant.as_str().to_owned(),
        id: format!("evt_{}", Uuid::new_v4().simple()),
        account_uuid: event.account.map(|a| a.0.to_string()),
        event_type: event.kind.as_str().to_owned(),
        data: serde_json::Value::Object(event.data.clone()).to_string(),
        created_at: to_db_time(event.at),
    }
}

pub(crate) fn delivery_row(event: &EventRow, endpoint: &str) -> NewDeliveryRow {
    NewDeliveryRow {
        tenant_id: event.tenant_id.clone(),
        uuid: Uuid::new_v4().to_string(),
        endpoint_uuid: endpoint.to_owned(),
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        account_uuid: event.account_uuid.clone(),
        status: "pending",
        next_attempt_at: event.created_at,
        window_from: event.created_at,
        created_at: event.created_at,
    }
}

/// Attempts by the delivery they belong to, in the order given.
pub(crate) fn attempts_by_delivery(attempts: Vec<AttemptRow>) -> HashMap<String, Vec<AttemptRow>> {
    let mut by_delivery: HashMap<String, Vec<AttemptRow>> = HashMap::new();
    for attempt in attempts {
        by_delivery
            .entry(attempt.delivery_uuid.clone())
            .or_default()
            .push(attempt);
    }
    by_delivery
}
