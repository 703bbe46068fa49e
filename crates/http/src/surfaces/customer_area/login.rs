use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::services::SignInOutcome;
use clientele_domain::{DomainError, FieldErrors};
use serde::Serialize;
use utoipa::ToSchema;

use crate::body::JsonObject;
use crate::domain_errors::{problem_about, problem_for, same_names, Held};
use crate::fields::{code_field, reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::{refusal, tenant_header, tenant_named};

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Access token for `Authorization: Bearer …` on every surface (or, from `do_reset`, the
    /// JWT carrying the new passphrase).
    token: String,
}

impl LoginResponse {
    pub fn new(token: String) -> Self {
        LoginResponse { token }
    }
}

/// Authenticate the customer with email and password.
///
/// Unknown email, wrong password, an account that is not active or one locked after repeated
/// failures all get the same 401.
#[utoipa::path(post, path = "/customers/login", tag = "Customer area", operation_id = "customer_area_sign_in",
    request_body(content = super::bodies::LoginBody),
    responses((status = 200, description = "Signed in: the access token.", body = LoginResponse), (status = 202, description = "The password is right and two-factor is on: a code was texted; confirm it with the challenge.", body = CodeRequired), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem),
        (status = 401, description = "The address, the password or the tenant is wrong, or the account cannot sign in (one answer for all).", body = Problem), (status = 429, description = "Too many requests from this client: retry after `Retry-After`.", body = Problem)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["email", "password"], &[], "", &mut errors);
    let email = required_text(&body.0, "email", &mut errors);
    let password = required_text(&body.0, "password", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    // Where the sign-in came from, when a trusted proxy says so (CLIENTELE_COUNTRY_HEADER):
    // from any other peer the header could be anyone's word.
    let from_trusted_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.trusted_proxies.trusts(peer.ip()));
    let country = state
        .country_header
        .as_ref()
        .filter(|_| from_trusted_proxy)
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned());
    let outcome = match tenant_named(&state, tenant_header(&req)).await {
        Ok(tenant) => {
            state
                .second_factor
                .sign_in(&tenant, &email, &password, country)
                .await
        }
        Err(DomainError::Unauthenticated) => Err(state.sign_in.refuse_without_tenant(&password).await),
        Err(other) => Err(other),
    };
    let counted = match &outcome {
        Ok(SignInOutcome::SignedIn(_)) => "succeeded",
        Ok(SignInOutcome::CodeRequired { .. }) => "second_factor_required",
        Err(DomainError::Unauthenticated) => "failed",
        Err(_) => "not_decided",
    };
    metrics::counter!("clientele_sign_ins_total", "outcome" => counted).increment(1);
    let outcome = outcome.map_err(|e| match e {
        DomainError::Unauthenticated => Problem::unauthorized()
            .detail("The email address or password is wrong, or the account cannot sign in."),
        other => problem_for(other, same_names),
    })?;
    Ok(match outcome {
        SignInOutcome::SignedIn(signed_in) => HttpResponse::Ok().json(LoginResponse {
            token: signed_in.token,
        }),
        SignInOutcome::CodeRequired { challenge, telephone } => HttpResponse::Accepted().json(CodeRequired {
            otp_required: true,
            challenge: challenge.to_string(),
            telephone,
        }),
    })
}

/// With two-factor on, the right password answers this instead of a token: a code was texted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeRequired {
    otp_required: bool,
    /// What `/customers/login/verify-otp` redeems with the code; it expires with the code.
    challenge: String,
    /// The number the code went to, all but its last four digits hidden.
    telephone: String,
}

/// Finish a two-factor sign-in: `{"challenge": "…", "otp": "123456"}` → the token. Wrong code
/// (or unknown challenge) 400, expired 410, five tries used 429.
#[utoipa::path(post, path = "/customers/login/verify-otp", tag = "Customer area", operation_id = "customer_area_confirm_sign_in_code",
    request_body(content = super::bodies::LoginVerifyOtpBody),
    responses((status = 200, description = "Signed in: the access token.", body = LoginResponse), (status = 400, description = "The body is invalid, or the code is wrong.", body = Problem), (status = 401, description = "The password was changed since the challenge, or the `tenant` header names no tenant.", body = Problem),
        (status = 410, description = "The code expired: sign in again.", body = Problem), (status = 429, description = "Five wrong codes were tried, or too many requests from this client.", body = Problem)))]
pub async fn verify_login_otp(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["challenge", "otp"], &[], "", &mut errors);
    let challenge = required_text(&body.0, "challenge", &mut errors);
    let otp = code_field(
        &body.0,
        "otp",
        "must be the texted code, such as \"123456\"",
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let tenant = tenant_named(&state, tenant_header(&req)).await.map_err(refusal)?;
    let signed_in = state.second_factor.confirm(&tenant, &challenge, &otp).await;
    let counted = if signed_in.is_ok() {
        "succeeded"
    } else {
        "second_factor_refused"
    };
    metrics::counter!("clientele_sign_ins_total", "outcome" => counted).increment(1);
    let signed_in = signed_in.map_err(|e| problem_about(e, same_names, Held::TextedCode))?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: signed_in.token,
    }))
}
