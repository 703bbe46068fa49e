//! `/admin/v1/tenants/{id}/webhooks`: where a tenant's events go. An endpoint's secret is shown
//! when it is created and when it is rotated, never in a listing.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use clientele_domain::services::{CreatedEndpoint, EndpointInput};
use clientele_domain::webhooks::{Attempt, DeliveryId, DeliveryStatus, Endpoint, WebhookDelivery, WebhookId};
use clientele_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{listing_limit, optional_text, query_choice, reject_other_keys};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

/// An endpoint as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminWebhook {
    id: String,
    url: String,
    /// Event types delivered here, or `["*"]` for all.
    events: Vec<&'static str>,
    description: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// Set while deliveries to it are stopped (by the back office, or after failing for days).
    #[schema(format = DateTime)]
    disabled_at: Option<String>,
    /// Since when every try failed; `null` once one succeeds.
    #[schema(format = DateTime)]
    failing_since: Option<String>,
    /// Until when the secret a rotation replaced still signs, beside the current one.
    #[schema(format = DateTime)]
    previous_secret_until: Option<String>,
}

impl From<&Endpoint> for AdminWebhook {
    fn from(e: &Endpoint) -> Self {
        AdminWebhook {
            id: e.id.to_string(),
            url: e.url.clone(),
            events: e.events.names(),
            description: e.description.clone(),
            created_at: rfc3339(e.created_at),
            updated_at: rfc3339(e.updated_at),
            disabled_at: e.disabled_at.map(rfc3339),
            failing_since: e.failing_since.map(rfc3339),
            previous_secret_until: e.previous_secret.as_ref().map(|(_, until)| rfc3339(*until)),
        }
    }
}

/// An endpoint with its signing secret: shown at creation and rotation only (no `Debug`: it
/// is never logged).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhook {
    #[serde(flatten)]
    listed: AdminWebhook,
    /// `whsec_` and the base64 of 32 random bytes: verify each delivery's `webhook-signature` with it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwJzMmFdYpXYk=")]
    secret: String,
}

impl From<&CreatedEndpoint> for CreatedWebhook {
    fn from(created: &CreatedEndpoint) -> Self {
        CreatedWebhook {
            listed: AdminWebhook::from(&created.endpoint),
            secret: created.secret.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookListing {
    webhooks: Vec<AdminWebhook>,
}

/// One try of a delivery.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAttempt {
    #[schema(format = DateTime)]
    at: String,
    /// What the endpoint answered; `null` when it did not (timeout, refused address).
    status_code: Option<u16>,
    duration_ms: i64,
    error: Option<String>,
}

impl From<&Attempt> for WebhookAttempt {
    fn from(a: &Attempt) -> Self {
        WebhookAttempt {
            at: rfc3339(a.at),
            status_code: a.status_code,
            duration_ms: a.duration_ms,
            error: a.error.clone(),
        }
    }
}

/// One event on its way to the endpoint.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminWebhookDelivery {
    id: String,
    /// The `webhook-id` header of every try.
    event_id: String,
    #[serde(rename = "type")]
    event_type: &'static str,
    customer_uuid: Option<String>,
    /// `pending`, `delivered` or `abandoned`.
    status: &'static str,
    #[schema(format = DateTime)]
    next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    delivered_at: Option<String>,
    /// Each try, oldest first.
    attempts: Vec<WebhookAttempt>,
}

impl From<&WebhookDelivery> for AdminWebhookDelivery {
    fn from(d: &WebhookDelivery) -> Self {
        AdminWebhookDelivery {
            id: d.id.to_string(),
            event_id: d.event_id.clone(),
            event_type: d.event_type.as_str(),
            customer_uuid: d.account.map(|a| a.0.to_string()),
            status: d.status.as_str(),
            next_attempt_at: d.next_attempt_at.map(rfc3339),
            created_at: rfc3339(d.created_at),
            delivered_at: d.delivered_at.map(rfc3339),
            attempts: d.attempts.iter().map(WebhookAttempt::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDeliveryListing {
    deliveries: Vec<AdminWebhookDelivery>,
}

/// A test event queued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueuedDelivery {
    delivery_id: String,
}

#[derive(Debug, Deserialize)]
pub struct DeliveriesQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// The statuses `…/deliveries` filters by (documentation of the query parameter).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum DeliveryStatusFilter {
    Pending,
    Delivered,
    Abandoned,
}

const FIELDS: &[&str] = &["url", "events", "description", "disabled"];

/// The fields of a create or patch body; `disabled` only when patching.
fn input(body: &Map<String, Value>, patching: bool) -> Result<EndpointInput, Problem> {
    let mut errors = FieldErrors::new();
    let allowed = if patching { FIELDS } else { &FIELDS[..3] };
    reject_other_keys(body, allowed, &[], "", &mut errors);
    let url = optional_text(body, "url", &mut errors);
    let events = match body.get("events") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        Some(_) => {
            errors.add("events", "must be an array of event type names");
            None
        }
    };
    let description = match body.get("description") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(text)) => Some(Some(text.clone())),
        Some(_) => {
            errors.add("description", "must be a string or null");
            None
        }
    };
    let disabled = match body.get("disabled") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(flag)) => Some(*flag),
        Some(_) => {
            errors.add("disabled", "must be true or false");
            None
        }
    };
    if patching && url.as_deref().is_some_and(str::is_empty) {
        errors.add("url", "must not be empty");
    }
    if errors.is_empty() {
        Ok(EndpointInput {
            url,
            events,
            description,
            disabled,
        })
    } else {
        Err(Problem::invalid(errors))
    }
}

/// An id from the path; one that is not a uuid names nothing.
fn id_of(raw: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(raw).map_err(|_| Problem::not_found())
}

fn created(tenant: &str, created: &CreatedEndpoint, status: actix_web::http::StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::LOCATION,
            format!("/admin/v1/tenants/{tenant}/webhooks/{}", created.endpoint.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedWebhook::from(created))
}

/// Create an endpoint: `{"url": "https://…", "events": ["customer.created", …] or ["*"],
/// "description": …}`. The URL must be `https` and reach a public address; the answer carries
/// the signing secret, this once.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/webhooks", tag = "Back office", operation_id = "admin_create_webhook", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    request_body(content = super::bodies::CreateWebhookBody),
    responses((status = 201, description = "The endpoint was created; `secret` is shown this once (and on rotation).", body = CreatedWebhook),
        (status = 400, description = "The body is invalid (an unknown event type, a URL that is not https or reaches a private address); `errors` names each field.", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "No tenant has this id.", body = Problem),
        (status = 409, description = "The tenant has as many endpoints as allowed (50).", body = Problem)))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    _admin: Admin,
    tenant: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let input = input(&body.0, false)?;
    let made = state
        .webhooks
        .create(&tenant, input)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(created(&tenant, &made, actix_web::http::StatusCode::CREATED))
}

/// The tenant's endpoints, oldest first, without their secrets.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/webhooks", tag = "Back office", operation_id = "admin_list_webhooks", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    responses((status = 200, description = "The tenant's endpoints.", body = WebhookListing), (status = 401, body = Problem), (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    _admin: Admin,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let endpoints = state
        .webhooks
        .list(&tenant)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(WebhookListing {
        webhooks: endpoints.iter().map(AdminWebhook::from).collect(),
    }))
}

/// One endpoint, without its secret.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}", tag = "Back office", operation_id = "admin_get_webhook", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id")),
    responses((status = 200, description = "The endpoint.", body = AdminWebhook), (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such endpoint of this tenant.", body = Problem)))]
pub async fn get_webhook(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let endpoint = state
        .webhooks
        .get(&tenant, WebhookId(id_of(&id)?))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminWebhook::from(&endpoint)))
}

/// Change an endpoint: `url`, `events`, `description` (`null` clears it), `"disabled": false`
/// to deliver to it again (or `true` to stop); absent fields stay.
#[utoipa::path(patch, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}", tag = "Back office", operation_id = "admin_update_webhook", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id")),
    request_body(content = super::bodies::PatchWebhookBody),
    responses((status = 200, description = "The endpoint, as changed.", body = AdminWebhook), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such endpoint of this tenant.", body = Problem)))]
pub async fn update_webhook(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let id = WebhookId(id_of(&id)?);
    let input = input(&body.0, true)?;
    let endpoint = state
        .webhooks
        .update(&tenant, id, input)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminWebhook::from(&endpoint)))
}

/// Remove an endpoint with its deliveries: nothing more is sent to it.
#[utoipa::path(delete, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}", tag = "Back office", operation_id = "admin_delete_webhook", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id")),
    responses((status = 204, description = "The endpoint is gone."), (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such endpoint of this tenant.", body = Problem)))]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    state
        .webhooks
        .delete(&tenant, WebhookId(id_of(&id)?))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret. For 24 hours every delivery carries two signatures, one with each
/// secret, so receivers can switch without losing one.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}/rotate-secret", tag = "Back office", operation_id = "admin_rotate_webhook_secret", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id")),
    responses((status = 200, description = "The endpoint with its new secret, shown this once.", body = CreatedWebhook), (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such endpoint of this tenant.", body = Problem)))]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let rotated = state
        .webhooks
        .rotate_secret(&tenant, WebhookId(id_of(&id)?))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(created(&tenant, &rotated, actix_web::http::StatusCode::OK))
}

/// Queue a `webhook.test` event for this endpoint alone.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}/test", tag = "Back office", operation_id = "admin_test_webhook", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id")),
    responses((status = 202, description = "The test event is queued; follow it in the deliveries.", body = QueuedDelivery), (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such endpoint of this tenant.", body = Problem)))]
pub async fn test_webhook(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let delivery = state
        .webhooks
        .test(&tenant, WebhookId(id_of(&id)?))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Accepted().json(QueuedDelivery {
        delivery_id: delivery.to_string(),
    }))
}

/// The endpoint's deliveries, newest first, each with its tries; optionally by `status`
/// (`pending`, `delivered`, `abandoned`); `limit` 1-200 (default 100).
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}/deliveries", tag = "Back office", operation_id = "admin_list_webhook_deliveries", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id"),
        ("status" = inline(Option<DeliveryStatusFilter>), Query, description = "pending, delivered or abandoned"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1-200, default 100")),
    responses((status = 200, description = "The deliveries, newest first.", body = WebhookDeliveryListing), (status = 400, description = "A query parameter is invalid; `errors` names it.", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such endpoint of this tenant.", body = Problem)))]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
    query: web::Query<DeliveriesQuery>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let id = WebhookId(id_of(&id)?);
    let mut errors = FieldErrors::new();
    let status = query_choice(
        query.status.as_deref(),
        DeliveryStatus::parse,
        "status",
        "must be pending, delivered or abandoned",
        &mut errors,
    );
    let limit = listing_limit(query.limit, &mut errors);
    if limit > 200 {
        errors.add("limit", "must be between 1 and 200");
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let deliveries = state
        .webhooks
        .deliveries(&tenant, id, status, limit)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(WebhookDeliveryListing {
        deliveries: deliveries.iter().map(AdminWebhookDelivery::from).collect(),
    }))
}

/// Try a delivery that was delivered or abandoned again, now, with a fresh retry window.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", tag = "Back office", operation_id = "admin_retry_webhook_delivery", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("webhook_id" = String, Path, description = "the endpoint's id"), ("delivery_id" = String, Path, description = "the delivery's id")),
    responses((status = 202, description = "The delivery is pending again."), (status = 401, body = Problem),
        (status = 404, description = "No such tenant, endpoint or delivery.", body = Problem),
        (status = 409, description = "The delivery is still pending.", body = Problem)))]
pub async fn retry_webhook_delivery(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id, delivery) = path.into_inner();
    state
        .webhooks
        .retry(&tenant, WebhookId(id_of(&id)?), DeliveryId(id_of(&delivery)?))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Accepted().finish())
}
