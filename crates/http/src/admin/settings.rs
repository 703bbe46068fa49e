//! `/admin/v1/settings`: the request tenant's account-closing options (seed 000's back office
//! "Delete data" and "Request required for Deleting Data").

use actix_web::{web, HttpResponse};
use clientele_domain::tenant::{Tenant, TenantChange};
use clientele_domain::FieldErrors;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::reject_other_keys;
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

const DELETE: &str = "deletePersonalData";
const APPROVAL: &str = "deletionRequiresApproval";

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClosingSettings {
    /// Erase a closed account's personal data (default true); otherwise keep it.
    delete_personal_data: bool,
    /// Erase only once the back office approves a deletion request (default false).
    deletion_requires_approval: bool,
}

impl From<&Tenant> for ClosingSettings {
    fn from(t: &Tenant) -> Self {
        ClosingSettings {
            delete_personal_data: t.settings.closing.delete_personal_data,
            deletion_requires_approval: t.settings.closing.deletion_requires_approval,
        }
    }
}

/// The tenant's closing settings.
#[utoipa::path(get, path = "/admin/v1/settings", tag = "Back office", operation_id = "admin_get_settings", security(("admin" = [])),
    responses((status = 200, description = "The tenant's closing settings.", body = ClosingSettings), (status = 401, body = Problem)))]
pub async fn get_settings(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
) -> Result<HttpResponse, Problem> {
    let tenant = state
        .tenants
        .get(tenant.as_str())
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(ClosingSettings::from(&tenant)))
}

/// Change the tenant's closing settings: `{"deletePersonalData": bool,
/// "deletionRequiresApproval": bool}`, either or both; other keys are refused.
#[utoipa::path(patch, path = "/admin/v1/settings", tag = "Back office", operation_id = "admin_update_settings", security(("admin" = [])),
    request_body(content = super::bodies::SettingsBody),
    responses((status = 200, description = "The tenant's closing settings, as changed.", body = ClosingSettings), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem)))]
pub async fn patch_settings(
    state: web::Data<AppState>,
    _admin: Admin,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &[DELETE, APPROVAL], &[], "", &mut errors);
    let mut flag = |key: &str| match body.get(key) {
        None => None,
        Some(Value::Bool(value)) => Some(*value),
        Some(_) => {
            errors.add(key, "must be true or false");
            None
        }
    };
    let change = TenantChange {
        delete_personal_data: flag(DELETE),
        deletion_requires_approval: flag(APPROVAL),
        ..TenantChange::default()
    };
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let tenant = state
        .tenants
        .change(tenant.as_str(), change)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(ClosingSettings::from(&tenant)))
}
