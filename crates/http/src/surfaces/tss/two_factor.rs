use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::services::TwoFactorEdit;

/// The seed's messages, word for word: clients may compare them.
const MESSAGE_SENT: &str = "OTP Sent successfully!";
const MESSAGE_UPDATED: &str = "Profile updated successfully!";
use clientele_domain::FieldErrors;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::details::{edit_of, refuse_if_invalid, tss_names};
use super::profile::TssProfile;
use crate::bearer::{bearer_token, Customer};
use crate::body::JsonObject;
use crate::domain_errors::{problem_about, problem_for, Held};
use crate::fields::{code_field, reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;

/// The answer of `/api/user/profile/2fa`: with a code sent, the seed's four fields; applied at
/// once, also `is_profile_updated` and `valid_token_count`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TwoFactorAnswer {
    /// Where the code went (national form in the tenant's region), or the number as saved.
    telephone: String,
    is_otp_sent: bool,
    message: &'static str,
    disable_birthdate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_profile_updated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_token_count: Option<i64>,
}

/// The profile after a confirmed code, with the token to use from now on.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeConfirmedAnswer {
    #[serde(flatten)]
    profile: TssProfile,
    /// A new token when the telephone changed (every earlier one is signed out); else the one
    /// in hand.
    access_token: String,
    valid_token_count: i64,
}

/// The profile edit with the two-factor switch (`is_two_fa`, a boolean). When neither the
/// telephone nor the switch changes, the edit is applied at once; otherwise it is held and a
/// 6-digit code is texted to the new number (to the current one when turning two-factor off),
/// valid 10 minutes for 5 tries; `/api/user/profile/verify-otp` applies it. Asking again within
/// a minute is a 429 with Retry-After.
#[utoipa::path(post, path = "/api/user/profile/2fa", tag = "TSS", operation_id = "tss_set_two_factor", security(("bearer" = [])),
    request_body(content = super::bodies::TssTwoFactorBody),
    responses((status = 200, description = "A code was texted to confirm the change (or the change needed none).", body = TwoFactorAnswer), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 401, body = Problem),
        (status = 409, description = "The phone number is another customer's.", body = Problem), (status = 429, description = "The send limit for this number is reached: nothing was sent.", body = Problem), (status = 503, body = Problem)))]
pub async fn post_profile_2fa(
    state: web::Data<AppState>,
    who: Customer,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    let edit = edit_of(&body, &["is_two_fa"], &mut errors);
    let two_factor = match body.get("is_two_fa") {
        Some(Value::Bool(on)) => Some(*on),
        // As the profile shows it: 1 or 0.
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Some(true),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Some(false),
        None | Some(Value::Null) => {
            errors.add("is_two_fa", "is required");
            None
        }
        Some(_) => {
            errors.add("is_two_fa", "must be true or false");
            None
        }
    };
    refuse_if_invalid(&state.personal_details, &who.0, &edit, errors).await?;
    // Refused above when `is_two_fa` was missing or wrong.
    let Some(two_factor) = two_factor else {
        return Err(Problem::invalid(FieldErrors::single("is_two_fa", "is required")));
    };
    let outcome = state
        .personal_details
        .edit_with_two_factor(&who.0, edit, two_factor)
        .await
        .map_err(|e| problem_for(e, tss_names))?;
    let answer = match outcome {
        TwoFactorEdit::Applied {
            view,
            valid_token_count,
        } => {
            let profile = TssProfile::from(&view);
            TwoFactorAnswer {
                telephone: profile.telephone().to_owned(),
                is_otp_sent: false,
                message: MESSAGE_UPDATED,
                disable_birthdate: view.account.profile.birthday_is_final(),
                is_profile_updated: Some(true),
                valid_token_count: Some(valid_token_count),
            }
        }
        TwoFactorEdit::CodeSent { number, view } => TwoFactorAnswer {
            telephone: number.shown_in(view.region),
            is_otp_sent: true,
            message: MESSAGE_SENT,
            disable_birthdate: view.account.profile.birthday_is_final(),
            is_profile_updated: None,
            valid_token_count: None,
        },
    };
    Ok(HttpResponse::Ok().json(answer))
}

/// Apply the held edit with the texted code: `{"telephone": "9876543210", "otp": "123456"}`
/// (the number the code went to). Wrong code 400, expired 410, five tries used 429. When the
/// telephone changes, every session is signed out and `access_token` is a new one.
#[utoipa::path(post, path = "/api/user/profile/verify-otp", tag = "TSS", operation_id = "tss_confirm_code", security(("bearer" = [])),
    request_body(content = super::bodies::TssVerifyOtpBody),
    responses((status = 200, description = "The code is right: the held change is made.", body = CodeConfirmedAnswer), (status = 400, description = "The body is invalid, or the code is wrong.", body = Problem), (status = 401, body = Problem),
        (status = 409, description = "The phone number became another customer's meanwhile.", body = Problem), (status = 410, description = "The code expired: ask for a new one.", body = Problem), (status = 429, description = "Five wrong codes were tried: ask for a new one.", body = Problem)))]
pub async fn verify_otp(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Customer,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &["telephone", "otp"], &[], "", &mut errors);
    let telephone = required_text(&body, "telephone", &mut errors);
    let otp = code_field(
        &body,
        "otp",
        "must be the texted code, such as \"123456\"",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let confirmed = state
        .personal_details
        .confirm_code(&who.0, &telephone, &otp)
        .await
        .map_err(|e| problem_about(e, tss_names, Held::TextedCode))?;
    let access_token = match confirmed.new_session {
        Some(signed_in) => signed_in.token,
        None => bearer_token(&req).unwrap_or_default(),
    };
    Ok(HttpResponse::Ok().json(CodeConfirmedAnswer {
        profile: TssProfile::from(&confirmed.view),
        access_token,
        valid_token_count: confirmed.valid_token_count,
    }))
}
