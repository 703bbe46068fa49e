use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::flow::Refusal;
use clientele_domain::services::sign_in::Answer;
use clientele_domain::services::SignInOutcome;
use clientele_domain::{DomainError, FieldErrors};
use serde::Serialize;
use serde_json::Value;
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
    responses((status = 200, description = "Signed in: the access token.", body = LoginResponse), (status = 202, description = "The password is right and the account has a second factor: answer the challenge (with texted codes only, a code was texted).", body = CodeRequired), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem),
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
    let country = country(&state, &req);
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
        SignInOutcome::CodeRequired {
            challenge,
            telephone,
            factors,
            webauthn,
        } => HttpResponse::Accepted().json(CodeRequired {
            otp_required: true,
            challenge: challenge.to_string(),
            telephone,
            factors,
            webauthn,
        }),
    })
}

/// With a second factor, the right password answers this instead of a token.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeRequired {
    otp_required: bool,
    /// What `/customers/login/verify-otp` (texted code) or `/customers/login/verify` (app or
    /// recovery code) redeems; it works once and expires in 10 minutes.
    challenge: String,
    /// When a code was texted: the number it went to, all but its last four digits hidden.
    #[serde(skip_serializing_if = "Option::is_none")]
    telephone: Option<String>,
    /// Which answers the challenge takes: `totp`, `webauthn`, `recovery_code`, `sms`.
    #[schema(example = json!(["totp", "recovery_code"]))]
    factors: Vec<&'static str>,
    /// With a passkey: the request options (WebAuthn Level 3 JSON, `{"publicKey": …}`) to
    /// pass to `navigator.credentials.get`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    webauthn: Option<serde_json::Value>,
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

/// Finish a sign-in with an authenticator app's code, a passkey or a recovery code:
/// `{"challenge": "…", "totp": "123456"}`, `{"challenge": "…", "webauthn": {…}}` or
/// `{"challenge": "…", "recoveryCode": "…"}` → the token. A wrong answer 400 (counted toward the account's lockout), expired 410, five tries 429.
#[utoipa::path(post, path = "/customers/login/verify", tag = "Customer area", operation_id = "customer_area_verify_sign_in",
    request_body(content = super::bodies::LoginVerifyBody),
    responses((status = 200, description = "Signed in: the access token.", body = LoginResponse), (status = 400, description = "The body is invalid, or the answer is wrong (`errors` names it).", body = Problem), (status = 401, description = "The account can no longer sign in (closed or locked since), or the `tenant` header names no tenant.", body = Problem),
        (status = 410, description = "The challenge expired: sign in again.", body = Problem), (status = 429, description = "Five wrong answers were tried, or too many requests from this client.", body = Problem)))]
pub async fn verify_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    let keys = ["challenge", "totp", "recoveryCode", "webauthn"];
    reject_other_keys(&body.0, &keys, &[], "", &mut errors);
    let challenge = required_text(&body.0, "challenge", &mut errors);
    let given: Vec<&str> = keys[1..]
        .iter()
        .copied()
        .filter(|key| body.0.get(*key).is_some_and(|v| !v.is_null()))
        .collect();
    let field = match given.as_slice() {
        [one] => *one,
        _ => {
            errors.add("totp", "give exactly one of totp, recoveryCode and webauthn");
            "totp"
        }
    };
    let (text, assertion) = match field {
        "totp" => (
            super::factors::six_digits(&body.0, "totp", &mut errors),
            Value::Null,
        ),
        "recoveryCode" => (required_text(&body.0, "recoveryCode", &mut errors), Value::Null),
        _ => (
            String::new(),
            super::factors::json_object(&body.0, "webauthn", &mut errors),
        ),
    };
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let answer = match field {
        "totp" => Answer::Totp(&text),
        "recoveryCode" => Answer::RecoveryCode(&text),
        _ => Answer::Webauthn(&assertion),
    };
    let tenant = tenant_named(&state, tenant_header(&req)).await.map_err(refusal)?;
    let signed_in = state.second_factor.verify(&tenant, &challenge, answer).await;
    let counted = if signed_in.is_ok() {
        "succeeded"
    } else {
        "second_factor_refused"
    };
    metrics::counter!("clientele_sign_ins_total", "outcome" => counted).increment(1);
    let signed_in = signed_in.map_err(|e| match e {
        DomainError::SecretRefused(Refusal::Invalid) => Problem::invalid(FieldErrors::single(
            field,
            "is not valid: mistyped, used already, or not this account's",
        )),
        other => problem_about(other, same_names, Held::Secret),
    })?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: signed_in.token,
    }))
}

/// The number a code for a challenge was texted to.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeTexted {
    challenge: String,
    /// All but its last four digits hidden.
    telephone: String,
}

/// Text a code for a sign-in challenge, when the account has texted codes besides an
/// authenticator app (with texted codes only, signing in texts one at once). Redeem it with
/// `/customers/login/verify-otp`.
#[utoipa::path(post, path = "/customers/login/sms", tag = "Customer area", operation_id = "customer_area_text_sign_in_code",
    request_body(content = super::bodies::LoginSmsBody),
    responses((status = 200, description = "A code was texted (or was, less than a minute ago).", body = CodeTexted), (status = 400, description = "The body is invalid, or the challenge is unknown.", body = Problem), (status = 401, description = "The account can no longer sign in, or the `tenant` header names no tenant.", body = Problem),
        (status = 409, description = "The account has no texted codes.", body = Problem), (status = 410, description = "The challenge expired: sign in again.", body = Problem), (status = 429, description = "The challenge is locked, or too many requests from this client.", body = Problem)))]
pub async fn text_login_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["challenge"], &[], "", &mut errors);
    let challenge = required_text(&body.0, "challenge", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let tenant = tenant_named(&state, tenant_header(&req)).await.map_err(refusal)?;
    let telephone = state
        .second_factor
        .text_code(&tenant, &challenge)
        .await
        .map_err(|e| problem_about(e, same_names, Held::Secret))?;
    Ok(HttpResponse::Ok().json(CodeTexted {
        challenge: challenge.trim().to_owned(),
        telephone,
    }))
}

/// Where a sign-in came from, when a trusted proxy says so (CLIENTELE_COUNTRY_HEADER): from any
/// other peer the header could be anyone's word.
fn country(state: &AppState, req: &HttpRequest) -> Option<String> {
    let from_trusted_proxy = req
        .peer_addr()
        .is_some_and(|peer| state.trusted_proxies.trusts(peer.ip()));
    state
        .country_header
        .as_ref()
        .filter(|_| from_trusted_proxy)
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
}

/// A passwordless sign-in's challenge and request options.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptionsBody {
    /// What `/customers/login/passkey` takes back with the assertion; it works once and
    /// expires in 10 minutes.
    challenge: String,
    /// The request options (WebAuthn Level 3 JSON) for `navigator.credentials.get`.
    #[schema(value_type = Object)]
    public_key: serde_json::Value,
}

/// Start a passwordless sign-in: options for whatever passkey the customer's authenticator
/// holds for this tenant (discoverable credentials, user verification required).
#[utoipa::path(post, path = "/customers/login/passkey/options", tag = "Customer area", operation_id = "customer_area_passkey_sign_in_options",
    responses((status = 200, description = "The challenge and the request options.", body = PasskeyOptionsBody), (status = 401, description = "The `tenant` header names no tenant.", body = Problem),
        (status = 409, description = "Passkeys are not configured on this instance.", body = Problem), (status = 429, description = "Too many requests from this client.", body = Problem)))]
pub async fn passkey_sign_in_options(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let tenant = tenant_named(&state, tenant_header(&req)).await.map_err(refusal)?;
    let started = state
        .second_factor
        .passkey_options(&tenant)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(PasskeyOptionsBody {
        challenge: started.challenge,
        public_key: started.options["publicKey"].clone(),
    }))
}

/// Sign in with a passkey alone: `{"challenge", "credential"}` → the token. An assertion that
/// does not verify is a 401 (counted toward the account's lockout); an unknown challenge 400,
/// an expired one 410; a challenge works once.
#[utoipa::path(post, path = "/customers/login/passkey", tag = "Customer area", operation_id = "customer_area_passkey_sign_in",
    request_body(content = super::bodies::PasskeySignInBody),
    responses((status = 200, description = "Signed in: the access token.", body = LoginResponse), (status = 400, description = "The body is invalid, or the challenge unknown or used.", body = Problem),
        (status = 401, description = "The assertion does not verify, names no passkey of an account that may sign in, or the `tenant` header names no tenant.", body = Problem),
        (status = 410, description = "The challenge expired: ask for new options.", body = Problem), (status = 429, description = "Too many requests from this client.", body = Problem)))]
pub async fn passkey_sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["challenge", "credential"], &[], "", &mut errors);
    let challenge = required_text(&body.0, "challenge", &mut errors);
    let credential = super::factors::json_object(&body.0, "credential", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let tenant = tenant_named(&state, tenant_header(&req)).await.map_err(refusal)?;
    let signed_in = state
        .second_factor
        .sign_in_with_passkey(&tenant, &challenge, &credential, country(&state, &req))
        .await;
    let counted = match &signed_in {
        Ok(_) => "succeeded",
        Err(DomainError::Unauthenticated) => "failed",
        Err(_) => "not_decided",
    };
    metrics::counter!("clientele_sign_ins_total", "outcome" => counted).increment(1);
    let signed_in = signed_in.map_err(|e| match e {
        DomainError::Unauthenticated => Problem::unauthorized().detail("The passkey could not sign in."),
        other => problem_about(other, same_names, Held::Secret),
    })?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token: signed_in.token,
    }))
}
