//! `/admin/v1/tenants/{id}/api-keys`: keys of a tenant's apps. A key is shown once, when it is
//! created; listings show its prefix.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use clientele_domain::api_key::ApiKey;
use clientele_domain::FieldErrors;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{reject_other_keys, required_text};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

/// A key as listed: never the key itself.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminApiKey {
    id: String,
    name: String,
    /// The key's first 16 characters, to recognise a key in hand.
    prefix: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    last_used_at: Option<String>,
    #[schema(format = DateTime)]
    revoked_at: Option<String>,
}

impl From<&ApiKey> for AdminApiKey {
    fn from(k: &ApiKey) -> Self {
        AdminApiKey {
            id: k.id.to_string(),
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            created_at: rfc3339(k.created_at),
            last_used_at: k.last_used_at.map(rfc3339),
            revoked_at: k.revoked_at.map(rfc3339),
        }
    }
}

/// A key just created, with the key itself: shown this once, never again.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    #[serde(flatten)]
    listed: AdminApiKey,
    /// Send it as the `X-API-Key` header, with the `tenant` header naming this tenant.
    key: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyListing {
    api_keys: Vec<AdminApiKey>,
}

/// Create a key for an app of the tenant: `{"name": "…"}`; the answer carries the key, once.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/api-keys", tag = "Back office", operation_id = "admin_create_api_key", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    request_body(content = super::bodies::CreateApiKeyBody),
    responses((status = 201, description = "The key was made; `key` is shown this once and never again.", body = CreatedApiKey), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn create_api_key(
    state: web::Data<AppState>,
    _admin: Admin,
    tenant: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &["name"], &[], "", &mut errors);
    let name = required_text(&body, "name", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let issued = state
        .api_keys
        .issue(&tenant, &name)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/admin/v1/tenants/{tenant}/api-keys/{}", issued.key.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiKey {
            listed: AdminApiKey::from(&issued.key),
            key: issued.secret,
        }))
}

/// The tenant's keys, revoked ones included, oldest first.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/api-keys", tag = "Back office", operation_id = "admin_list_api_keys", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    responses((status = 200, description = "The tenant's keys, without their secrets.", body = ApiKeyListing), (status = 401, body = Problem), (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    _admin: Admin,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let keys = state
        .api_keys
        .list(&tenant)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(ApiKeyListing {
        api_keys: keys.iter().map(AdminApiKey::from).collect(),
    }))
}

/// Revoke a key: it fails from the next request on. Revoking a revoked key changes nothing.
#[utoipa::path(delete, path = "/admin/v1/tenants/{id}/api-keys/{key_id}", tag = "Back office", operation_id = "admin_revoke_api_key",
    security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("key_id" = String, Path, description = "the key's id")),
    responses((status = 204, description = "The key is revoked: requests with it are refused from now on."), (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such key of this tenant.", body = Problem)))]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, key) = path.into_inner();
    state
        .api_keys
        .revoke(&tenant, &key)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::NoContent().finish())
}
