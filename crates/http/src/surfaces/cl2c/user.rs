//! `PUT /v1/cl2c/user`: a tenant's app replaces a user's names, phone and push token.

use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::profile::field;
use clientele_domain::services::{AppUserChange, AppUserView, PUSH_TOKEN};
use clientele_domain::{AccountUuid, DomainError, FieldErrors};
use serde::Serialize;
use serde_json::{Map, Value};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};
use utoipa::ToSchema;

use crate::openapi_values::PersonName;

use super::app_key::AppKey;
use crate::bearer::bearer_token;
use crate::body::JsonObject;
use crate::domain_errors::problem_for;
use crate::fields::reject_other_keys;
use crate::problem::Problem;
use crate::render::text;
use crate::state::AppState;

const FIELDS: &[&str] = &["id", "firstName", "lastName", "phoneNumber", "pushToken"];

/// The user as the app sees it after the change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cl2cUser {
    /// The user's UUID.
    id: String,
    user_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    email_confirmed: bool,
    /// Whether the user has a live session.
    authenticated: bool,
    /// When the latest live session expires (RFC 3339, UTC, `Z`), or null.
    #[schema(format = DateTime)]
    auth_valid_upto: Option<String>,
    /// The country the latest sign-in came from, as a trusted proxy reported it, or null.
    auth_location: Option<String>,
    phone_number: Option<String>,
    wallet_address: Option<String>,
}

/// `2024-11-05T19:42:26.587Z`, as the seed shows it.
fn utc_millis(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .expect("a UTC timestamp always formats")
}

impl From<&AppUserView> for Cl2cUser {
    fn from(view: &AppUserView) -> Self {
        let (account, profile) = (&view.account, &view.account.profile);
        Cl2cUser {
            id: account.uuid.to_string(),
            user_name: profile.username.clone(),
            first_name: text(&profile.first_name),
            last_name: text(&profile.last_name),
            email: account.customer_email().map(|e| e.as_str().to_owned()),
            email_confirmed: account.email_confirmed,
            authenticated: view.latest_session.is_some(),
            auth_valid_upto: view.latest_session.as_ref().map(|s| utc_millis(s.expires_at)),
            auth_location: view.latest_session.as_ref().and_then(|s| s.country.clone()),
            phone_number: text(&profile.phone),
            wallet_address: profile.wallet_address.clone(),
        }
    }
}

/// An optional text member: absent and `null` are both "none" (PUT: the field is cleared).
fn optional(body: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add(key, "must be a string");
            None
        }
    }
}

/// The surface's name and message for a domain field error.
fn surface_error(field: &str, message: &str) -> (&'static str, String) {
    match field {
        field::FIRST_NAME => ("firstName", format!("First name {message}")),
        field::LAST_NAME => ("lastName", format!("Last name {message}")),
        field::PHONE => ("phoneNumber", "Invalid phone number format".into()),
        PUSH_TOKEN => ("pushToken", format!("Push token {message}")),
        _ => ("id", message.to_owned()),
    }
}

/// Replace the user's `firstName` (required), `lastName`, `phoneNumber` and `pushToken`; an
/// omitted optional field is cleared. `id` is the user's UUID, who must belong to the tenant.
#[utoipa::path(put, path = "/v1/cl2c/user", tag = "CL2C", operation_id = "cl2c_update_user",
    params(("tenant" = String, Header, description = "Tenant ID"),
        ("X-API-Key" = String, Header, description = "API key of the tenant's app")),
    request_body(content = PutUserBody),
    responses((status = 200, description = "The user, as changed.", body = Cl2cUser), (status = 400, description = "The body is invalid (`errors` names each field), or it is no JSON object.", body = Problem),
        (status = 401, description = "The API key or the tenant is missing or not valid, or the bearer token sent is not this user's.", body = super::DefaultError), (status = 404, description = "The tenant has no user with this id.", body = super::DefaultError),
        (status = 409, description = "The address or phone number is another user's.", body = super::DefaultError), (status = 429, description = "The API key's rate limit is reached: retry after `Retry-After`.", body = super::DefaultError)))]
pub async fn put_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    AppKey(key): AppKey,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, FIELDS, &[], "", &mut errors);
    let user = match body.get("id") {
        Some(Value::String(id)) => match uuid::Uuid::parse_str(id.trim()) {
            Ok(id) => Some(AccountUuid(id)),
            Err(_) => {
                errors.add("id", "User ID must be the user's UUID");
                None
            }
        },
        _ => {
            errors.add("id", "User ID is required");
            None
        }
    };
    let first_name = match body.get("firstName") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            errors.add("firstName", "First name is required");
            String::new()
        }
        Some(_) => {
            errors.add("firstName", "must be a string");
            String::new()
        }
    };
    let change = AppUserChange {
        first_name,
        last_name: optional(&body, "lastName", &mut errors),
        phone: optional(&body, "phoneNumber", &mut errors).filter(|p| !p.trim().is_empty()),
        push_token: optional(&body, "pushToken", &mut errors),
    };
    for (field, messages) in state.app_users.problems(&change).iter() {
        let (name, message) = surface_error(field, messages.first().map_or("is invalid", String::as_str));
        if !(name == "firstName" && change.first_name.trim().is_empty()) {
            errors.add(name, message);
        }
    }
    let Some(user) = user.filter(|_| errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };

    // A user's token sent along must be that user's, in that tenant.
    if let Some(token) = bearer_token(&req) {
        // One answer for an invalid token and another user's: a key holder learns nothing
        // about tokens it holds.
        let refused = || Problem::unauthorized().detail("The bearer token is not this user's.");
        let who = state.sign_in.authenticate(&token).await.map_err(|e| match e {
            e @ (DomainError::Unavailable(_) | DomainError::Overloaded) => problem_for(e, |_| None),
            _ => refused(),
        })?;
        if who.account.uuid != user || who.session.tenant != key.tenant {
            return Err(refused());
        }
    }

    let view = state
        .app_users
        .replace(&key.tenant, user, change)
        .await
        .map_err(|e| match e {
            DomainError::NotFound => Problem::not_found().detail("The tenant has no user with this id."),
            DomainError::Invalid(errors) => Problem::invalid(
                errors
                    .iter()
                    .flat_map(|(f, ms)| ms.iter().map(move |m| surface_error(f, m)))
                    .fold(FieldErrors::new(), |mut all, (name, message)| {
                        all.add(name, message);
                        all
                    }),
            ),
            other => problem_for(other, |_| None),
        })?;
    Ok(HttpResponse::Ok().json(Cl2cUser::from(&view)))
}

/// `PUT /v1/cl2c/user` as the OpenAPI document declares it (the handler reads it field by
/// field, for the seed's messages): what is left out is cleared, except a two-factor phone.
#[derive(ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct PutUserBody {
    /// The user's UUID.
    #[schema(format = Uuid)]
    id: String,
    #[schema(example = "John")]
    first_name: PersonName,
    #[schema(example = "Doe")]
    last_name: Option<PersonName>,
    /// E.164.
    #[schema(example = "+1234567890")]
    phone_number: Option<String>,
    /// The app's push notification token: at most 4096 characters, no control characters.
    #[schema(max_length = 4096, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    push_token: Option<String>,
}
