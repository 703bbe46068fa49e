//! `/admin/v1/tenants`: the client companies this instance serves, and their settings.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use clientele_domain::messages::settings::field as message_field;
use clientele_domain::messages::MessageSettingsChange;
use clientele_domain::tenant::{checked_name, field, Tenant, TenantChange, TenantId};
use clientele_domain::{FieldErrors, Patch};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::admin_auth::Admin;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{reject_other_keys, required_text, text_patch};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

/// A tenant with its settings; an unset setting is `null` (the instance's configuration
/// applies).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminTenant {
    id: String,
    name: String,
    #[schema(format = DateTime)]
    created_at: String,
    settings: AdminTenantSettings,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminTenantSettings {
    /// Where mailed links point, e.g. `https://app.example.com`.
    web_app_url: Option<String>,
    /// Origins that links sent by clients may point to.
    allowed_redirect_origins: Vec<String>,
    /// How national phone numbers are read (ISO 3166-1 alpha-2).
    phone_region: Option<String>,
    /// Where notices for the tenant's operators go (a webhook endpoint disabled).
    operator_email: Option<String>,
    /// Sender, brand and language of its messages (`null`: the instance's).
    sender_name: Option<String>,
    sender_address: Option<String>,
    reply_to: Option<String>,
    brand_name: Option<String>,
    logo_url: Option<String>,
    accent_color: Option<String>,
    default_language: Option<String>,
    support: Option<String>,
}

impl From<&Tenant> for AdminTenant {
    fn from(t: &Tenant) -> Self {
        let m = &t.settings.messages;
        AdminTenant {
            id: t.id.to_string(),
            name: t.name.clone(),
            created_at: rfc3339(t.created_at),
            settings: AdminTenantSettings {
                web_app_url: t.settings.web_app_url.clone(),
                allowed_redirect_origins: t.settings.allowed_redirect_origins.clone(),
                phone_region: t.settings.phone_region.clone(),
                operator_email: t.settings.operator_email.clone(),
                sender_name: m.sender_name.clone(),
                sender_address: m.sender_address.clone(),
                reply_to: m.reply_to.clone(),
                brand_name: m.brand_name.clone(),
                logo_url: m.logo_url.clone(),
                accent_color: m.accent_color.clone(),
                default_language: m.default_language.as_ref().map(|l| l.as_str().to_owned()),
                support: m.support.clone(),
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantListing {
    tenants: Vec<AdminTenant>,
}

/// Create a tenant: `id` a slug (1-64 of a-z, 0-9, `-`, `_`), `name` 1-200 characters.
#[utoipa::path(post, path = "/admin/v1/tenants", tag = "Back office", operation_id = "admin_create_tenant", security(("admin" = [])),
    request_body(content = super::bodies::CreateTenantBody),
    responses((status = 201, description = "The tenant was created.", body = AdminTenant), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 409, description = "Another tenant has this id.", body = Problem)))]
pub async fn create_tenant(
    state: web::Data<AppState>,
    _admin: Admin,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &[field::ID, field::NAME], &[], "", &mut errors);
    let id = required_text(&body, field::ID, &mut errors);
    let name = required_text(&body, field::NAME, &mut errors);
    if !errors.is_empty() {
        // Every field's problems at once, not only the first kind found.
        for (key, rule) in [
            (field::ID, TenantId::checked(&id).err()),
            (field::NAME, checked_name(&name).err()),
        ] {
            if body.get(key).is_some_and(Value::is_string) {
                errors.extend(rule.unwrap_or_default());
            }
        }
        return Err(Problem::invalid(errors));
    }
    let tenant = state
        .tenants
        .create(&id, &name)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/admin/v1/tenants/{}", tenant.id)))
        .json(AdminTenant::from(&tenant)))
}

/// Every tenant, by id.
#[utoipa::path(get, path = "/admin/v1/tenants", tag = "Back office", operation_id = "admin_list_tenants", security(("admin" = [])),
    responses((status = 200, description = "Every tenant of this instance.", body = TenantListing), (status = 401, body = Problem)))]
pub async fn list_tenants(state: web::Data<AppState>, _admin: Admin) -> Result<HttpResponse, Problem> {
    let tenants = state
        .tenants
        .list()
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(TenantListing {
        tenants: tenants.iter().map(AdminTenant::from).collect(),
    }))
}

/// One tenant.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}", tag = "Back office", operation_id = "admin_get_tenant", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    responses((status = 200, description = "The tenant.", body = AdminTenant), (status = 401, body = Problem), (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn get_tenant(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = state
        .tenants
        .get(&id)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminTenant::from(&tenant)))
}

const SETTINGS: &[&str] = &[
    field::WEB_APP_URL,
    field::ALLOWED_REDIRECT_ORIGINS,
    field::PHONE_REGION,
    field::OPERATOR_EMAIL,
    message_field::SENDER_NAME,
    message_field::SENDER_ADDRESS,
    message_field::REPLY_TO,
    message_field::BRAND_NAME,
    message_field::LOGO_URL,
    message_field::ACCENT_COLOR,
    message_field::DEFAULT_LANGUAGE,
    message_field::SUPPORT,
];

/// Rename a tenant or change its settings: `{"name": …, "settings": {"webAppUrl": …,
/// "allowedRedirectOrigins": […], "phoneRegion": …, "operatorEmail": …}}`; absent fields stay,
/// `null` unsets.
#[utoipa::path(patch, path = "/admin/v1/tenants/{id}", tag = "Back office", operation_id = "admin_update_tenant", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    request_body(content = super::bodies::PatchTenantBody),
    responses((status = 200, description = "The tenant, as changed.", body = AdminTenant), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn patch_tenant(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &[field::NAME, "settings"], &[field::ID], "", &mut errors);
    let name = match body.get(field::NAME) {
        None => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => {
            errors.add(field::NAME, "must be a string");
            None
        }
    };
    let empty = Map::new();
    let settings = match body.get("settings") {
        None => &empty,
        Some(Value::Object(settings)) => settings,
        Some(_) => {
            errors.add("settings", "must be an object");
            &empty
        }
    };
    reject_other_keys(settings, SETTINGS, &[], "settings.", &mut errors);
    let change = TenantChange {
        name,
        web_app_url: text_patch(
            settings,
            field::WEB_APP_URL,
            Patch::Keep,
            "settings.webAppUrl",
            &mut errors,
        ),
        allowed_redirect_origins: origins(settings, &mut errors),
        phone_region: text_patch(
            settings,
            field::PHONE_REGION,
            Patch::Keep,
            "settings.phoneRegion",
            &mut errors,
        ),
        operator_email: text_patch(
            settings,
            field::OPERATOR_EMAIL,
            Patch::Keep,
            "settings.operatorEmail",
            &mut errors,
        ),
        messages: message_settings(settings, &mut errors),
        ..TenantChange::default()
    };
    if !errors.is_empty() {
        // Every field's problems at once, not only the first kind found.
        errors.extend(change.problems().renamed(settings_name));
        return Err(Problem::invalid(errors));
    }
    let tenant = state
        .tenants
        .change(&id, change)
        .await
        .map_err(|e| problem_for(e, settings_name))?;
    Ok(HttpResponse::Ok().json(AdminTenant::from(&tenant)))
}

/// `allowedRedirectOrigins`: absent → unchanged, `null` → none, a list of strings → those.
fn origins(settings: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Vec<String>> {
    match settings.get(field::ALLOWED_REDIRECT_ORIGINS)? {
        Value::Null => Some(Vec::new()),
        Value::Array(items) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => {
            errors.add(
                "settings.allowedRedirectOrigins",
                "must be a list of origins such as https://app.example.com",
            );
            None
        }
    }
}

/// The message settings in `settings`: absent → unchanged, `null` → unset.
fn message_settings(settings: &Map<String, Value>, errors: &mut FieldErrors) -> MessageSettingsChange {
    let mut patch = |key: &str| text_patch(settings, key, Patch::Keep, &format!("settings.{key}"), errors);
    MessageSettingsChange {
        sender_name: patch(message_field::SENDER_NAME),
        sender_address: patch(message_field::SENDER_ADDRESS),
        reply_to: patch(message_field::REPLY_TO),
        brand_name: patch(message_field::BRAND_NAME),
        logo_url: patch(message_field::LOGO_URL),
        accent_color: patch(message_field::ACCENT_COLOR),
        default_language: patch(message_field::DEFAULT_LANGUAGE),
        support: patch(message_field::SUPPORT),
    }
}

/// The domain names settings by their own key; the surface nests them under `settings.`.
fn settings_name(domain: &str) -> Option<&'static str> {
    Some(match domain {
        field::WEB_APP_URL => "settings.webAppUrl",
        field::ALLOWED_REDIRECT_ORIGINS => "settings.allowedRedirectOrigins",
        field::PHONE_REGION => "settings.phoneRegion",
        field::OPERATOR_EMAIL => "settings.operatorEmail",
        message_field::SENDER_NAME => "settings.senderName",
        message_field::SENDER_ADDRESS => "settings.senderAddress",
        message_field::REPLY_TO => "settings.replyTo",
        message_field::BRAND_NAME => "settings.brandName",
        message_field::LOGO_URL => "settings.logoUrl",
        message_field::ACCENT_COLOR => "settings.accentColor",
        message_field::DEFAULT_LANGUAGE => "settings.defaultLanguage",
        message_field::SUPPORT => "settings.support",
        _ => return None,
    })
}
