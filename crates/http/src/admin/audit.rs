//! `GET /admin/v1/audit`: the tenant's audit trail.

use actix_web::{web, HttpResponse};
use clientele_domain::audit::{AuditEntry, AuditKind};
use clientele_domain::{AccountUuid, FieldErrors};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{listing_limit, query_choice};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminAuditEntry {
    id: String,
    tenant: String,
    /// The account's UUID.
    account: String,
    /// `sign_in_succeeded`, `sign_in_failed`, `sign_in_locked`, `activated`, `email_changed`,
    /// `password_reset`, `password_changed`, `phone_changed`, `two_factor_enabled`,
    /// `two_factor_disabled`, `deactivated`, `deletion_requested`, `deletion_approved`,
    /// `deletion_rejected`, `erased`, `reactivated`, `profile_corrected`.
    kind: &'static str,
    /// `customer` or `admin`.
    actor: &'static str,
    /// The request's id, as the log and `X-Request-Id` carry it.
    request_id: Option<String>,
    /// The client's address, as the trusted proxies report it (cleared when the account is
    /// erased).
    client_address: Option<String>,
    /// Browser and system, as the client's `User-Agent` named them.
    device: Option<String>,
    #[schema(format = DateTime)]
    at: String,
    /// The closing policy applied, for closings.
    detail: Option<String>,
}

impl From<&AuditEntry> for AdminAuditEntry {
    fn from(e: &AuditEntry) -> Self {
        AdminAuditEntry {
            id: e.id.to_string(),
            tenant: e.tenant.to_string(),
            account: e.account.0.to_string(),
            kind: e.kind.as_str(),
            actor: e.actor.as_str(),
            request_id: e.request_id.clone(),
            client_address: e.client_address.clone(),
            device: e.device.clone(),
            at: rfc3339(e.at),
            detail: e.detail.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditListing {
    entries: Vec<AdminAuditEntry>,
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    account: Option<String>,
    kind: Option<String>,
    limit: Option<i64>,
}

/// The tenant's audit trail, newest first: optionally one `account` (UUID) and one `kind`;
/// `limit` 1-500 (default 100).
#[utoipa::path(get, path = "/admin/v1/audit", tag = "Back office", operation_id = "admin_list_audit", security(("admin" = [])),
    params(("account" = Option<String>, Query, format = Uuid, description = "an account's UUID"),
        ("kind" = inline(Option<AuditKindFilter>), Query, description = "one kind of event"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1-500, default 100")),
    responses((status = 200, description = "The tenant's audit events, newest first.", body = AuditListing), (status = 400, description = "A query parameter is invalid; `errors` names it.", body = Problem), (status = 401, body = Problem)))]
pub async fn list_audit(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    let kind = query_choice(
        query.kind.as_deref(),
        AuditKind::parse,
        "kind",
        "is not a kind of audit entry",
        &mut errors,
    );
    let account = query_choice(
        query.account.as_deref(),
        |raw| uuid::Uuid::parse_str(raw.trim()).ok().map(AccountUuid),
        "account",
        "must be an account's UUID",
        &mut errors,
    );
    let limit = listing_limit(query.limit, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let entries = state
        .audit
        .list(&tenant, account, kind, limit)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AuditListing {
        entries: entries.iter().map(AdminAuditEntry::from).collect(),
    }))
}

/// The kinds `GET /admin/v1/audit` filters by (documentation of the query parameter; one
/// variant per `AuditKind`, checked by a test).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum AuditKindFilter {
    SignInSucceeded,
    SignInFailed,
    SignInLocked,
    Activated,
    EmailChanged,
    PasswordReset,
    PasswordChanged,
    PhoneChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    FactorAdded,
    FactorRemoved,
    RecoveryCodesReplaced,
    RecoveryCodeUsed,
    SecondFactorRefused,
    Deactivated,
    DeletionRequested,
    DeletionApproved,
    DeletionRejected,
    Erased,
    Reactivated,
    ProfileCorrected,
    SignedOut,
    SessionEnded,
    SessionsEnded,
    EmailChangeWithdrawn,
    DataExported,
    CustomersImported,
}

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    use super::*;

    #[test]
    fn the_documented_kinds_are_the_domains() {
        let schema = serde_json::to_value(AuditKindFilter::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let kinds: Vec<&str> = AuditKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(documented, kinds);
    }
}
