use actix_web::{web, HttpResponse};
use clientele_domain::{links, FieldErrors};

use super::login::LoginResponse;
use super::Outcome;
use crate::body::JsonObject;
use crate::domain_errors::{problem_about, problem_for, same_names, Held};
use crate::fields::{reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;
use crate::timing::with_floor;

/// Ask for a password reset. The answer is the same whether or not the address has an
/// account; only a real account gets a mail. A relative `reset_uri` is joined to
/// `CLIENTELE_PUBLIC_URL`; an absolute one must be on `CLIENTELE_ALLOWED_REDIRECTS`. The code
/// is appended to the link's path.
#[utoipa::path(post, path = "/customers/password_reset", tag = "Customer area", operation_id = "customer_area_request_password_reset",
    request_body(content = super::bodies::PasswordResetBody),
    responses((status = 200, description = "A reset link was mailed if the address has an account (the same answer either way).", body = Outcome), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 429, description = "Too many requests from this client: retry after `Retry-After`.", body = Problem)))]
pub async fn password_reset(
    state: web::Data<AppState>,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["email", "reset_uri"], &[], "", &mut errors);
    let email = required_text(&body.0, "email", &mut errors);
    let reset_uri = required_text(&body.0, "reset_uri", &mut errors);
    let links = state
        .password_reset
        .links_for(&tenant)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    let link = if reset_uri.trim().is_empty() {
        // Missing, or not a string, is named by required_text already; an empty one here.
        if matches!(body.0.get("reset_uri"), Some(serde_json::Value::String(_))) {
            errors.add(
                "reset_uri",
                "must not be empty: a path such as /customers/do_reset, or an allowed absolute URL",
            );
        }
        None
    } else {
        links::resolve(&reset_uri, &links.public_url, &links.allowed_origins)
            .map_err(|m| errors.add("reset_uri", m))
            .ok()
    };
    let (Some(link), true) = (link, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let area = &state.password_reset;
    with_floor(area.request_password_reset(&tenant, &email, &link))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(Outcome::of("email_sent")))
}

/// Reset the password with the mailed code. Answers `{"token": JWT}`: a JWT signed HS256 with
/// the submitted code as key, whose payload is `{"passphrase": "<the new password>"}`. Every
/// session of the account is signed out.
#[utoipa::path(post, path = "/customers/do_reset", tag = "Customer area", operation_id = "customer_area_reset_password",
    request_body(content = super::bodies::DoResetBody),
    responses((status = 200, description = "The password is changed, every other session ended; the access token of a new one.", body = LoginResponse), (status = 400, description = "The body is invalid, or the mailed code is not valid.", body = Problem),
        (status = 429, description = "Too many requests from this client: retry after `Retry-After`.", body = Problem)))]
pub async fn do_reset(
    state: web::Data<AppState>,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["email", "code"], &[], "", &mut errors);
    let email = required_text(&body.0, "email", &mut errors);
    let code = required_text(&body.0, "code", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    // Held to the same floor as the request for a code: how long the answer takes must not
    // tell whether the address has an account.
    let token = with_floor(state.password_reset.reset_password(&tenant, &email, &code))
        .await
        .map_err(|e| problem_about(e, same_names, Held::ResetCode))?;
    Ok(HttpResponse::Ok().json(LoginResponse::new(token)))
}
