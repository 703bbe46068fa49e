//! `/customers/self/factors` and `/customers/self/recovery-codes`: the signed-in customer's
//! second factors (authenticator apps, texted codes) and recovery codes.

use actix_web::{web, HttpResponse};
use clientele_domain::services::factors::{FactorConfirmed, FactorList, FactorView};
use clientele_domain::FieldErrors;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::bearer::Customer;
use crate::body::{JsonObject, ObjectOrEmpty};
use crate::domain_errors::{problem_about, same_names, Held};
use crate::fields::{optional_text, reject_other_keys};
use crate::problem::Problem;
use crate::state::AppState;

/// One second factor; never its secret.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FactorBody {
    /// A UUID, or `sms` for texted codes.
    id: String,
    /// `totp` (authenticator app), `webauthn` (passkey or security key) or `sms` (texted
    /// codes).
    #[serde(rename = "type")]
    #[schema(example = "totp")]
    kind: &'static str,
    name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_used_at: Option<OffsetDateTime>,
}

impl From<&FactorView> for FactorBody {
    fn from(f: &FactorView) -> Self {
        FactorBody {
            id: f.id.clone(),
            kind: f.kind.as_str(),
            name: f.name.clone(),
            created_at: f.created_at,
            last_used_at: f.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FactorListBody {
    factors: Vec<FactorBody>,
    /// Unused recovery codes.
    recovery_codes_left: usize,
}

impl From<&FactorList> for FactorListBody {
    fn from(list: &FactorList) -> Self {
        FactorListBody {
            factors: list.factors.iter().map(FactorBody::from).collect(),
            recovery_codes_left: list.recovery_codes_left,
        }
    }
}

/// A pending authenticator app: the secret is shown here only.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpEnrolmentBody {
    /// What `…/totp/{id}/confirm` confirms.
    id: String,
    /// The shared secret in base32, for typing into the app.
    secret: String,
    /// `otpauth://totp/…` for apps that open or scan it.
    otpauth_uri: String,
    /// The URI as a QR code (SVG).
    qr_svg: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: OffsetDateTime,
}

impl From<FactorConfirmed> for ConfirmedFactorBody {
    fn from(confirmed: FactorConfirmed) -> Self {
        ConfirmedFactorBody {
            factor: FactorBody::from(&FactorView::from(&confirmed.factor)),
            recovery_codes: confirmed.recovery_codes,
        }
    }
}

/// A confirmed factor, with the recovery codes when it is the account's first strong one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedFactorBody {
    #[serde(flatten)]
    factor: FactorBody,
    /// Shown once: ten single-use codes for when the factor is lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_codes: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesBody {
    /// Shown once: ten single-use codes; the previous ones no longer work.
    recovery_codes: Vec<String>,
}

fn refused(error: clientele_domain::DomainError) -> Problem {
    problem_about(error, same_names, Held::Secret)
}

/// The customer's second factors and how many recovery codes are left.
#[utoipa::path(get, path = "/customers/self/factors", tag = "Customer area", operation_id = "customer_area_list_factors", security(("bearer" = [])),
    responses((status = 200, description = "The factors (never their secrets).", body = FactorListBody), (status = 401, body = Problem)))]
pub async fn list_factors(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let list = state.factors.list(&who.0).await.map_err(refused)?;
    Ok(HttpResponse::Ok().json(FactorListBody::from(&list)))
}

/// Start enrolling an authenticator app: its secret, `otpauth` URI and QR code, pending until
/// confirmed with a first code (within 10 minutes). Needs a recent sign-in.
#[utoipa::path(post, path = "/customers/self/factors/totp", tag = "Customer area", operation_id = "customer_area_start_totp", security(("bearer" = [])),
    request_body(content = Option<super::bodies::StartTotpBody>, description = "May be left out."),
    responses((status = 201, description = "Pending: scan or type the secret, then confirm with a code.", body = TotpEnrolmentBody),
        (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 429, description = "Five wrong codes locked the pending enrolment: wait until it expires.", body = Problem)))]
pub async fn start_totp(
    state: web::Data<AppState>,
    who: Customer,
    body: ObjectOrEmpty,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &["name"], &[], "", &mut errors);
    let name = optional_text(&body, "name", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let started = state
        .factors
        .start_app(&who.0, name.as_deref())
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Created().json(TotpEnrolmentBody {
        id: started.id.to_string(),
        secret: started.secret,
        otpauth_uri: started.uri,
        qr_svg: started.qr_svg,
        expires_at: started.expires_at,
    }))
}

/// Confirm an authenticator app with the code it shows now. The first strong factor also
/// answers ten recovery codes, shown this once. Needs a recent sign-in.
#[utoipa::path(post, path = "/customers/self/factors/totp/{id}/confirm", tag = "Customer area", operation_id = "customer_area_confirm_totp", security(("bearer" = [])),
    params(("id" = String, Path, description = "the pending enrolment's id")),
    request_body(content = super::bodies::ConfirmTotpBody),
    responses((status = 200, description = "The factor, active.", body = ConfirmedFactorBody),
        (status = 400, description = "The code is wrong (`errors` names `code`) or the body invalid.", body = Problem), (status = 401, body = Problem),
        (status = 404, description = "No pending enrolment of this customer has this id.", body = Problem), (status = 410, description = "The enrolment expired: start again.", body = Problem),
        (status = 429, description = "Five wrong codes: the enrolment is locked.", body = Problem)))]
pub async fn confirm_totp(
    state: web::Data<AppState>,
    who: Customer,
    id: web::Path<String>,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["code"], &[], "", &mut errors);
    let code = six_digits(&body.0, "code", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let confirmed = state
        .factors
        .confirm_app(&who.0, &id, &code)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(ConfirmedFactorBody::from(confirmed)))
}

/// Replace the recovery codes with ten new ones (the old stop working). Needs a recent sign-in
/// and an authenticator app.
#[utoipa::path(post, path = "/customers/self/recovery-codes", tag = "Customer area", operation_id = "customer_area_replace_recovery_codes", security(("bearer" = [])),
    responses((status = 200, description = "The new codes, shown this once.", body = RecoveryCodesBody),
        (status = 401, body = Problem),
        (status = 409, description = "The account has no authenticator app.", body = Problem)))]
pub async fn replace_recovery_codes(
    state: web::Data<AppState>,
    who: Customer,
) -> Result<HttpResponse, Problem> {
    let recovery_codes = state
        .factors
        .replace_recovery_codes(&who.0)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(RecoveryCodesBody { recovery_codes }))
}

/// Remove a factor. Needs a recent sign-in; the customer is told by mail. Texted codes (`sms`)
/// are turned off with a texted code instead (409).
#[utoipa::path(delete, path = "/customers/self/factors/{id}", tag = "Customer area", operation_id = "customer_area_remove_factor", security(("bearer" = [])),
    params(("id" = String, Path, description = "the factor's id")),
    responses((status = 204, description = "Removed."),
        (status = 401, body = Problem),
        (status = 404, description = "The customer has no factor with this id.", body = Problem),
        (status = 409, description = "Texted codes are turned off with a texted code.", body = Problem)))]
pub async fn remove_factor(
    state: web::Data<AppState>,
    who: Customer,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    state.factors.remove(&who.0, &id).await.map_err(refused)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Six digits as an app shows them, given as text or as a number (leading zeros restored).
pub(super) fn six_digits(object: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> String {
    let hint = "must be the six digits the app shows, such as \"012345\"";
    let code = match object.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) if n.is_u64() => format!("{:06}", n.as_u64().unwrap_or_default()),
        None | Some(Value::Null) => {
            errors.add(key, "is required");
            return String::new();
        }
        Some(_) => String::new(),
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        errors.add(key, hint);
    }
    code
}

/// Options to create a passkey or register a security key (WebAuthn Level 3 JSON: pass
/// `publicKey` to `navigator.credentials.create`, after `PublicKeyCredential.parseCreationOptionsFromJSON`).
/// The customer's passkeys are excluded; a resident key is preferred and user verification
/// required. Pending for 10 minutes. Needs a recent sign-in.
#[utoipa::path(post, path = "/customers/self/factors/webauthn/options", tag = "Customer area", operation_id = "customer_area_passkey_options", security(("bearer" = [])),
    responses((status = 200, description = "The creation options.", body = Object),
        (status = 401, body = Problem),
        (status = 409, description = "Passkeys are not configured on this instance (no relying-party domain).", body = Problem),
        (status = 429, description = "Five refused responses locked the pending registration: wait until it expires.", body = Problem)))]
pub async fn passkey_options(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let options = state.factors.passkey_options(&who.0).await.map_err(refused)?;
    Ok(HttpResponse::Ok().json(options))
}

/// Register the passkey or security key the authenticator created from the options. The first
/// strong factor also answers ten recovery codes, shown this once. Needs a recent sign-in.
#[utoipa::path(post, path = "/customers/self/factors/webauthn", tag = "Customer area", operation_id = "customer_area_add_passkey", security(("bearer" = [])),
    request_body(content = super::bodies::AddPasskeyBody),
    responses((status = 201, description = "The factor, active.", body = ConfirmedFactorBody),
        (status = 400, description = "The credential does not verify against the options (`errors` names `credential`), or the body is invalid.", body = Problem),
        (status = 401, body = Problem),
        (status = 409, description = "No options are pending (ask for them first), or passkeys are not configured.", body = Problem),
        (status = 410, description = "The options expired: ask again.", body = Problem),
        (status = 429, description = "Five refused responses: the pending registration is locked.", body = Problem)))]
pub async fn add_passkey(
    state: web::Data<AppState>,
    who: Customer,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["name", "credential"], &[], "", &mut errors);
    let name = optional_text(&body.0, "name", &mut errors);
    let credential = json_object(&body.0, "credential", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let confirmed = state
        .factors
        .add_passkey(&who.0, name.as_deref(), &credential)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Created().json(ConfirmedFactorBody::from(confirmed)))
}

/// A required JSON object (a WebAuthn credential), named in `errors` otherwise.
pub(super) fn json_object(object: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Value {
    match object.get(key) {
        Some(value @ Value::Object(_)) => value.clone(),
        None | Some(Value::Null) => {
            errors.add(key, "is required");
            Value::Null
        }
        Some(_) => {
            errors.add(
                key,
                "must be the credential as an object (PublicKeyCredential.toJSON())",
            );
            Value::Null
        }
    }
}
