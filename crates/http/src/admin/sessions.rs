//! `/admin/v1/customers/{id}/sessions`: a customer's live sessions, and signing them all out.

use actix_web::{web, HttpResponse};
use clientele_domain::services::CustomerRef;

use crate::admin_auth::Admin;
use crate::domain_errors::{problem_for, same_names};
use crate::problem::Problem;
use crate::state::AppState;
use crate::surfaces::customer_area::sessions::{SessionBody, SessionList};
use crate::tenant_header::RequestTenant;

/// A customer's live sessions, newest first.
#[utoipa::path(get, path = "/admin/v1/customers/{id}/sessions", tag = "Back office", operation_id = "admin_list_customer_sessions",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The live sessions, newest first.", body = SessionList), (status = 401, body = Problem),
        (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn list_customer_sessions(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let customer = CustomerRef::parse(&id).ok_or_else(Problem::not_found)?;
    let sessions = state
        .sessions
        .list_for(&tenant, customer)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(SessionList {
        sessions: sessions.iter().map(|s| SessionBody::of(s, None)).collect(),
    }))
}

/// Sign a customer out everywhere (a lost phone, a suspected takeover): audited with the admin
/// as actor, and the customer is told by mail.
#[utoipa::path(delete, path = "/admin/v1/customers/{id}/sessions", tag = "Back office", operation_id = "admin_end_customer_sessions",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 204, description = "Every session signed out."), (status = 401, body = Problem),
        (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn end_customer_sessions(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let customer = CustomerRef::parse(&id).ok_or_else(Problem::not_found)?;
    state
        .sessions
        .end_all_by_back_office(&tenant, customer)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything Clientele holds about a customer (`clientele.export.v1`, described in
/// docs/export.md), for a request that came by letter: audited with the admin as actor.
#[utoipa::path(get, path = "/admin/v1/customers/{id}/export", tag = "Back office", operation_id = "admin_export_customer",
    security(("admin" = [])),
    params(("id" = String, Path, description = "numeric id or UUID")),
    responses((status = 200, description = "The export, as an attachment.", body = crate::export_document::ExportDocument,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"clientele-export-<id>.json\"`"))),
        (status = 401, body = Problem),
        (status = 404, description = "The tenant has no customer with this id.", body = Problem)))]
pub async fn export_customer(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let customer = CustomerRef::parse(&id).ok_or_else(Problem::not_found)?;
    let data = state
        .export
        .for_back_office(&tenant, customer)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(crate::export_document::attachment(&data))
}
