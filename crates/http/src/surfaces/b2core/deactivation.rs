//! `GET`/`POST /api/v2/my/profile/deactivation` (seed 000): a mobile app closes the client's
//! account with a code mailed to the client.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use clientele_domain::services::DeactivationStarted;
use clientele_domain::tenant::ClosingDecision;
use clientele_domain::FieldErrors;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::bearer::Customer;
use crate::body::JsonObject;
use crate::domain_errors::{problem_about, problem_for, same_names, Held};
use crate::fields::{code_field, reject_other_keys};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Recipient {
    class: &'static str,
    template: &'static str,
    email: String,
    name: String,
    url: &'static str,
    method: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StartedData {
    status: u8,
    /// The client's numeric id.
    entity_id: i64,
    entity_type: &'static str,
    recipient: Recipient,
}

/// The seed's answer to starting a deactivation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeactivationStartedBody {
    code: u16,
    data: StartedData,
    done: bool,
    uuid: String,
    /// How many codes this deactivation has mailed.
    sent: i32,
    #[schema(format = DateTime)]
    expired_at: String,
    #[schema(format = DateTime)]
    sent_at: String,
    workflow: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedData {
    /// True when the data waits for the back office's approval to be erased.
    request_created: bool,
}

/// The seed's answer to a confirmed deactivation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeactivationConfirmedBody {
    code: u16,
    data: ConfirmedData,
    done: bool,
    uuid: String,
    workflow: &'static str,
}

impl From<&DeactivationStarted> for DeactivationStartedBody {
    fn from(started: &DeactivationStarted) -> Self {
        let (flow, account) = (&started.flow, &started.account);
        let profile = &account.profile;
        let name = [&profile.first_name, &profile.last_name]
            .into_iter()
            .flatten()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        DeactivationStartedBody {
            code: 200,
            data: StartedData {
                status: 0,
                entity_id: account.public_id.0,
                entity_type: "client",
                recipient: Recipient {
                    class: "B2B\\TCA\\Confirmations\\Recipients\\EmailRecipient",
                    template: "DeletePersonalData",
                    email: flow.target.clone(),
                    name,
                    url: "",
                    method: "email",
                },
            },
            done: false,
            uuid: flow.id.to_string(),
            sent: flow.sent,
            expired_at: rfc3339(flow.expires_at),
            sent_at: rfc3339(flow.sent_at),
            workflow: "email",
        }
    }
}

/// Start (or resume) deactivating the client's profile: a 6-digit code is mailed, valid 15
/// minutes for 5 tries. Asking again within a minute answers the same procedure and mails
/// nothing; later, the same `uuid` gets a fresh code and `sent` counts up.
#[utoipa::path(get, path = "/api/v2/my/profile/deactivation", tag = "B2Core", operation_id = "b2core_start_deactivation", security(("bearer" = [])),
    responses((status = 200, description = "A closing code was mailed to the customer (or the one mailed within the resend interval stands).", body = DeactivationStartedBody), (status = 401, body = Problem),
        (status = 429, description = "The send limit for this address is reached: nothing was sent.", body = Problem)))]
pub async fn start_deactivation(state: web::Data<AppState>, who: Customer) -> Result<HttpResponse, Problem> {
    let started = state
        .deactivation
        .start(&who.0)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(DeactivationStartedBody::from(&started)))
}

/// Confirm the deactivation with the mailed code: `{"uuid": "…", "code": 213690}` (the code
/// as an integer, or a string of its digits). The account is closed at once: every session
/// signed out, the password no longer works; `requestCreated` says whether erasing its data
/// waits for the back office's approval.
#[utoipa::path(post, path = "/api/v2/my/profile/deactivation", tag = "B2Core", operation_id = "b2core_confirm_deactivation", security(("bearer" = [])),
    request_body(content = super::bodies::DeactivationConfirmBody),
    responses((status = 202, description = "The account is closed (or awaits the back office's approval, per the tenant's settings).", body = DeactivationConfirmedBody), (status = 400, description = "The body is invalid, or the code is wrong.", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "`uuid` is not this closing procedure's.", body = Problem), (status = 410, description = "The code expired: start again.", body = Problem),
        (status = 429, description = "Five wrong codes were tried: start again.", body = Problem)))]
pub async fn confirm_deactivation(
    state: web::Data<AppState>,
    who: Customer,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &["uuid", "code"], &[], "", &mut errors);
    let uuid = match body.get("uuid") {
        Some(Value::String(uuid)) => uuid.clone(),
        None | Some(Value::Null) => {
            errors.add("uuid", "is required");
            String::new()
        }
        Some(_) => {
            errors.add("uuid", "must be a string");
            String::new()
        }
    };
    const HINT: &str = "must be the mailed code, a number such as 213690";
    let code = code_field(&body, "code", HINT, &mut errors);
    // A string of anything but digits is no code of this surface (its seed sends numbers).
    let sent_text = matches!(body.get("code"), Some(Value::String(_)));
    if sent_text && (code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit())) {
        errors.add("code", HINT);
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let (flow, decision) = state
        .deactivation
        .confirm(&who.0, &uuid, &code)
        .await
        .map_err(|e| problem_about(e, same_names, Held::ClosingCode))?;
    Ok(
        HttpResponse::build(StatusCode::ACCEPTED).json(DeactivationConfirmedBody {
            code: 202,
            data: ConfirmedData {
                request_created: decision == ClosingDecision::RequestDeletion,
            },
            done: true,
            uuid: flow.to_string(),
            workflow: "B2B\\TCA\\Wizards\\Workflow\\TerminateWorkflow",
        }),
    )
}
