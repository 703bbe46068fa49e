use actix_web::{web, HttpResponse};
use clientele_domain::message::{DeliveryStatus, StoredMessage};
use clientele_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{listing_limit, query_choice};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// A message of the outbox; its text has every secret masked.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    id: String,
    channel: &'static str,
    recipient: String,
    subject: String,
    /// `pending`, `sent` or `abandoned`.
    status: &'static str,
    attempts: i32,
    last_error: Option<String>,
    #[schema(format = DateTime)]
    next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    sent_at: Option<String>,
    /// The plain-text body with secrets masked.
    text: String,
}

impl From<&StoredMessage> for OutboxMessage {
    fn from(m: &StoredMessage) -> Self {
        OutboxMessage {
            id: m.message.id.to_string(),
            channel: m.message.channel.as_str(),
            recipient: m.message.recipient.clone(),
            subject: m.message.subject.clone(),
            status: m.status.as_str(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            next_attempt_at: (m.status == DeliveryStatus::Pending).then(|| rfc3339(m.next_attempt_at)),
            created_at: rfc3339(m.message.created_at),
            sent_at: m.sent_at.map(rfc3339),
            text: m.message.masked_text.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxListing {
    messages: Vec<OutboxMessage>,
}

/// List outbox messages, newest first, optionally by `status` (`pending`, `sent`,
/// `abandoned`); `limit` 1-500 (default 100).
#[utoipa::path(get, path = "/admin/v1/outbox", tag = "Back office", operation_id = "admin_list_outbox", security(("admin" = [])),
    params(("status" = inline(Option<OutboxStatusFilter>), Query, description = "pending, sent or abandoned"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1-500, default 100")),
    responses((status = 200, description = "The tenant's messages, newest first, without their secrets.", body = OutboxListing), (status = 400, description = "A query parameter is invalid; `errors` names it.", body = Problem), (status = 401, body = Problem)))]
pub async fn list_outbox(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    let status = query_choice(
        query.status.as_deref(),
        DeliveryStatus::parse,
        "status",
        "must be pending, sent or abandoned",
        &mut errors,
    );
    let limit = listing_limit(query.limit, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let messages = state
        .outbox
        .list(&tenant, status, limit)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(OutboxListing {
        messages: messages.iter().map(OutboxMessage::from).collect(),
    }))
}

/// The statuses `GET /admin/v1/outbox` filters by (documentation of the query parameter).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum OutboxStatusFilter {
    Pending,
    Sent,
    Abandoned,
}
