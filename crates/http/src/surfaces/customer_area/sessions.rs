//! `/customers/self/sessions`, `/customers/logout`, `/customers/self/activity` and
//! `/customers/self/pending-email`: where the customer is signed in and signing devices out,
//! their own security events, and an email change waiting for its key.

use actix_web::{web, HttpResponse};
use clientele_domain::services::{ActivityEntry, SessionView};
use clientele_domain::session::Session;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::bearer::Customer;
use crate::domain_errors::{problem_for, same_names};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

/// A signed-in device.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionBody {
    #[schema(format = Uuid)]
    id: String,
    /// Whether this is the session asking (absent in the back office's view).
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<bool>,
    #[schema(format = DateTime)]
    created_at: String,
    /// The last request made with it, to the minute.
    #[schema(format = DateTime)]
    last_seen_at: String,
    #[schema(format = DateTime)]
    expires_at: String,
    /// Browser and system as the sign-in's `User-Agent` named them: `Firefox on Windows 10`.
    #[schema(example = "Firefox on Windows 10")]
    device: Option<String>,
    /// The network the sign-in came from: the client's address with its last octet (IPv4) or
    /// last 80 bits (IPv6) masked, as `203.0.113.0/24`.
    #[schema(example = "203.0.113.0/24")]
    ip: Option<String>,
    /// The country a trusted proxy reported, when `CLIENTELE_COUNTRY_HEADER` is set.
    country: Option<String>,
    /// `password`, `password+sms`, `password+totp`, `password+webauthn`,
    /// `password+recovery_code` or `passkey` (`unknown` for a session older than this field).
    #[schema(example = "password+totp")]
    sign_in_method: &'static str,
}

impl SessionBody {
    pub fn of(session: &Session, current: Option<bool>) -> Self {
        SessionBody {
            id: session.id.to_string(),
            current,
            created_at: rfc3339(session.created_at),
            last_seen_at: rfc3339(session.last_seen_at),
            expires_at: rfc3339(session.expires_at),
            device: session.device.clone(),
            ip: session.ip.clone(),
            country: session.country.clone(),
            sign_in_method: session.sign_in_method.as_str(),
        }
    }
}

impl From<&SessionView> for SessionBody {
    fn from(view: &SessionView) -> Self {
        SessionBody::of(&view.session, Some(view.current))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// Newest first.
    pub sessions: Vec<SessionBody>,
}

/// The customer's live sessions, newest first.
#[utoipa::path(get, path = "/customers/self/sessions", tag = "Customer area", operation_id = "customer_area_list_sessions", security(("bearer" = [])),
    responses((status = 200, description = "The live sessions, newest first.", body = SessionList), (status = 401, body = Problem)))]
pub async fn list_sessions(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let sessions = state
        .sessions
        .list(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(SessionList {
        sessions: sessions.iter().map(SessionBody::from).collect(),
    }))
}

/// Sign one of the customer's sessions out (the current one too): it stops working at once,
/// on every instance.
#[utoipa::path(delete, path = "/customers/self/sessions/{id}", tag = "Customer area", operation_id = "customer_area_end_session", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "the session's id")),
    responses((status = 204, description = "Signed out."), (status = 401, body = Problem),
        (status = 404, description = "The customer has no live session with this id.", body = Problem)))]
pub async fn end_session(
    state: web::Data<AppState>,
    who: Customer,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    state
        .sessions
        .end(&who.0, &id)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign every other session of the customer out, keeping the one asking.
#[utoipa::path(post, path = "/customers/self/sessions/revoke-others", tag = "Customer area", operation_id = "customer_area_end_other_sessions", security(("bearer" = [])),
    responses((status = 204, description = "Every other session signed out."), (status = 401, body = Problem)))]
pub async fn end_other_sessions(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    state
        .sessions
        .end_others(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out: the token asking stops working at once.
#[utoipa::path(post, path = "/customers/logout", tag = "Customer area", operation_id = "customer_area_logout", security(("bearer" = [])),
    responses((status = 204, description = "Signed out."), (status = 401, body = Problem)))]
pub async fn logout(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    state
        .sessions
        .sign_out(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// One of the customer's security events.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityBody {
    /// What happened, as the audit trail names it: `sign_in_succeeded`, `sign_in_failed`,
    /// `password_changed`, `email_changed`, `factor_added`, `signed_out`, …
    #[serde(rename = "type")]
    #[schema(example = "sign_in_succeeded")]
    kind: &'static str,
    /// `customer`, or `admin` for the back office.
    actor: &'static str,
    #[schema(format = DateTime)]
    at: String,
    device: Option<String>,
    /// Masked as in the session list.
    ip: Option<String>,
}

impl From<&ActivityEntry> for ActivityBody {
    fn from(e: &ActivityEntry) -> Self {
        ActivityBody {
            kind: e.kind.as_str(),
            actor: e.actor.as_str(),
            at: rfc3339(e.at),
            device: e.device.clone(),
            ip: e.ip.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityList {
    /// Newest first.
    events: Vec<ActivityBody>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// 1-200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The customer's own security events, newest first: sign-ins and failures, password, address
/// and factor changes, sessions signed out, closing steps.
#[utoipa::path(get, path = "/customers/self/activity", tag = "Customer area", operation_id = "customer_area_activity", security(("bearer" = [])),
    params(ActivityQuery),
    responses((status = 200, description = "The events, newest first.", body = ActivityList),
        (status = 400, description = "`limit` is out of range.", body = Problem), (status = 401, body = Problem)))]
pub async fn activity(
    state: web::Data<AppState>,
    who: Customer,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, Problem> {
    let events = state
        .sessions
        .activity(&who.0, query.limit)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(ActivityList {
        events: events.iter().map(ActivityBody::from).collect(),
    }))
}

/// An email change waiting for the key mailed to the new address.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PendingEmailBody {
    #[schema(format = Email)]
    pending_email: String,
    /// When its key stops working.
    #[schema(format = DateTime)]
    expires_at: String,
}

/// The email change waiting for its key, if any (404 if none).
#[utoipa::path(get, path = "/customers/self/pending-email", tag = "Customer area", operation_id = "customer_area_pending_email", security(("bearer" = [])),
    responses((status = 200, description = "The address waiting to be confirmed.", body = PendingEmailBody), (status = 401, body = Problem),
        (status = 404, description = "No email change waits.", body = Problem)))]
pub async fn pending_email(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let pending = state
        .email_change
        .pending(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?
        .ok_or_else(Problem::not_found)?;
    Ok(HttpResponse::Ok().json(PendingEmailBody {
        pending_email: pending.email,
        expires_at: rfc3339(pending.expires_at),
    }))
}

/// Withdraw the email change waiting for its key: the key stops working at once.
#[utoipa::path(delete, path = "/customers/self/pending-email", tag = "Customer area", operation_id = "customer_area_withdraw_pending_email", security(("bearer" = [])),
    responses((status = 204, description = "Withdrawn."), (status = 401, body = Problem),
        (status = 404, description = "No email change waits.", body = Problem)))]
pub async fn withdraw_pending_email(
    state: web::Data<AppState>,
    who: Customer,
) -> Result<HttpResponse, Problem> {
    state
        .email_change
        .withdraw(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything Clientele holds about the customer (`clientele.export.v1`, described in
/// docs/export.md), as a JSON attachment. Needs a recent sign-in; three a day.
#[utoipa::path(get, path = "/customers/self/export", tag = "Customer area", operation_id = "customer_area_export", security(("bearer" = [])),
    responses((status = 200, description = "The export, as an attachment.", body = crate::export_document::ExportDocument,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"clientele-export-<id>.json\"`"))),
        (status = 401, body = Problem),
        (status = 429, description = "Three exports were made in the last 24 hours.", body = Problem)))]
pub async fn export(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let data = state
        .export
        .own(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(crate::export_document::attachment(&data))
}
