//! `/admin/v1/deletion-requests`: erasing closed accounts' data when the tenant requires the
//! back office's approval; and bringing back a closed account whose data was kept.

use actix_web::{web, HttpResponse};
use clientele_domain::deletion_request::{DeletionRequest, DeletionStatus};
use clientele_domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::customers::{customer_named, AdminCustomer};
use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{listing_limit, query_choice, reject_other_keys, required_text};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminDeletionRequest {
    id: String,
    /// The closed account's UUID.
    customer: String,
    /// `pending`, `approved` or `rejected`.
    status: &'static str,
    #[schema(format = DateTime)]
    created_at: String,
    /// Whole days since the request was made (GDPR expects an answer within a month).
    age_days: i64,
    #[schema(format = DateTime)]
    decided_at: Option<String>,
    reason: Option<String>,
}

impl AdminDeletionRequest {
    pub(crate) fn of(r: &DeletionRequest, now: time::OffsetDateTime) -> Self {
        AdminDeletionRequest {
            id: r.id.to_string(),
            customer: r.account.0.to_string(),
            status: r.status.as_str(),
            created_at: rfc3339(r.created_at),
            age_days: (now - r.created_at).whole_days(),
            decided_at: r.decided_at.map(rfc3339),
            reason: r.reason.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletionRequestListing {
    deletion_requests: Vec<AdminDeletionRequest>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// The tenant's deletion requests, oldest first, optionally of one `status`; `limit` 1-500
/// (default 100).
#[utoipa::path(get, path = "/admin/v1/deletion-requests", tag = "Back office", operation_id = "admin_list_deletion_requests", security(("admin" = [])),
    params(("status" = inline(Option<DeletionStatusFilter>), Query, description = "pending, approved or rejected"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1-500, default 100")),
    responses((status = 200, description = "The tenant's deletion requests, oldest first.", body = DeletionRequestListing), (status = 400, description = "A query parameter is invalid; `errors` names it.", body = Problem), (status = 401, body = Problem)))]
pub async fn list_deletion_requests(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    let status = query_choice(
        query.status.as_deref(),
        DeletionStatus::parse,
        "status",
        "must be pending, approved or rejected",
        &mut errors,
    );
    let limit = listing_limit(query.limit, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let requests = state
        .deletion_requests
        .list(&tenant, status, limit)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    let now = time::OffsetDateTime::now_utc();
    Ok(HttpResponse::Ok().json(DeletionRequestListing {
        deletion_requests: requests
            .iter()
            .map(|r| AdminDeletionRequest::of(r, now))
            .collect(),
    }))
}

/// Approve: the account's personal data is erased now.
#[utoipa::path(post, path = "/admin/v1/deletion-requests/{id}/approve", tag = "Back office", operation_id = "admin_approve_deletion_request",
    security(("admin" = [])), params(("id" = String, Path, description = "the request's id")),
    responses((status = 200, description = "The request is approved and the account erased.", body = AdminDeletionRequest), (status = 401, body = Problem),
        (status = 404, description = "The tenant has no deletion request with this id.", body = Problem), (status = 409, description = "The request was decided already.", body = Problem)))]
pub async fn approve_deletion_request(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let approved = state
        .deletion_requests
        .approve(&tenant, &id)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminDeletionRequest::of(
        &approved,
        time::OffsetDateTime::now_utc(),
    )))
}

/// Reject with `{"reason": "…"}`: the data is kept and the customer is mailed the reason.
#[utoipa::path(post, path = "/admin/v1/deletion-requests/{id}/reject", tag = "Back office", operation_id = "admin_reject_deletion_request",
    security(("admin" = [])), params(("id" = String, Path, description = "the request's id")),
    request_body(content = super::bodies::RejectDeletionBody),
    responses((status = 200, description = "The request is rejected; the account stays closed until reactivated.", body = AdminDeletionRequest), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "The tenant has no deletion request with this id.", body = Problem), (status = 409, description = "The request was decided already.", body = Problem)))]
pub async fn reject_deletion_request(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["reason"], &[], "", &mut errors);
    let reason = required_text(&body.0, "reason", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let rejected = state
        .deletion_requests
        .reject(&tenant, &id, &reason)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminDeletionRequest::of(
        &rejected,
        time::OffsetDateTime::now_utc(),
    )))
}

/// Bring back a closed account whose data was kept: it can sign in again with its password.
#[utoipa::path(post, path = "/admin/v1/customers/{id}/reactivate", tag = "Back office", operation_id = "admin_reactivate_customer",
    security(("admin" = [])), params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The customer, active again.", body = AdminCustomer), (status = 401, body = Problem),
        (status = 404, description = "The tenant has no customer with this id.", body = Problem), (status = 409, description = "The account is not closed, was erased, or has a pending deletion request (reject it first).", body = Problem)))]
pub async fn reactivate_customer(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let account = customer_named(&state, &tenant, &id).await?;
    let active = state
        .deletion_requests
        .reactivate(account)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminCustomer::from(&active)))
}

/// The statuses `GET /admin/v1/deletion-requests` filters by (documentation of the query
/// parameter).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum DeletionStatusFilter {
    Pending,
    Approved,
    Rejected,
}
