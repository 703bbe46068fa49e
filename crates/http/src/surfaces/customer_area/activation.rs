use actix_web::{web, HttpResponse};
use clientele_domain::services::Onboarding;
use clientele_domain::FieldErrors;

use super::Outcome;
use crate::body::JsonObject;
use crate::domain_errors::{problem_about, problem_for, same_names, Held};
use crate::fields::{optional_text, reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;
use crate::timing::with_floor;

/// Sign up: mails an activation identifier and secret to a new address (an address that
/// already has an account gets a notice instead). The answer is the same either way.
#[utoipa::path(post, path = "/customers/signup", tag = "Customer area", operation_id = "customer_area_sign_up",
    request_body(content = super::bodies::SignupBody),
    responses((status = 202, description = "An activation link was mailed (the same answer whether or not the address has an account).", body = Outcome), (status = 400, description = "The body is invalid; `errors` names each field.", body = Problem), (status = 429, description = "Too many requests from this client: retry after `Retry-After`.", body = Problem)))]
pub async fn signup(
    state: web::Data<AppState>,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["email", "name", "locale"], &[], "", &mut errors);
    let email = required_text(&body.0, "email", &mut errors);
    let name = optional_text(&body.0, "name", &mut errors);
    let locale = optional_text(&body.0, "locale", &mut errors);
    let invitation = Onboarding::signup_input(&email, name.as_deref(), locale.as_deref());
    let invitation = match invitation {
        Ok(invitation) if errors.is_empty() => invitation,
        Ok(_) => return Err(Problem::invalid(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(Problem::invalid(errors));
        }
    };
    with_floor(state.onboarding.sign_up(&tenant, invitation))
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Accepted().json(Outcome::of("email_sent")))
}

/// Activate the account with the identifier and secret from the activation mail, choosing a
/// password.
#[utoipa::path(post, path = "/customers/activate", tag = "Customer area", operation_id = "customer_area_activate",
    request_body(content = super::bodies::ActivateBody),
    responses((status = 200, description = "The account is active; sign in with the password.", body = Outcome), (status = 400, description = "The body is invalid, or the link's secret is not valid.", body = Problem), (status = 410, description = "The link expired: sign up again for a new one.", body = Problem),
        (status = 429, description = "Too many requests from this client: retry after `Retry-After`.", body = Problem)))]
pub async fn activate(
    state: web::Data<AppState>,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(
        &body.0,
        &["identifier", "secret", "password", "password_check"],
        &[],
        "",
        &mut errors,
    );
    let identifier = required_text(&body.0, "identifier", &mut errors);
    let secret = required_text(&body.0, "secret", &mut errors);
    let password = required_text(&body.0, "password", &mut errors);
    let check = required_text(&body.0, "password_check", &mut errors);
    let password = match Onboarding::new_password(&password, &check) {
        Ok(password) if errors.is_empty() => password,
        Ok(_) => return Err(Problem::invalid(errors)),
        Err(more) => {
            if body.0.get("password").is_some_and(serde_json::Value::is_string) {
                errors.extend(more);
            }
            return Err(Problem::invalid(errors));
        }
    };
    state
        .onboarding
        .activate(&tenant, &identifier, &secret, password)
        .await
        .map_err(|e| problem_about(e, same_names, Held::Link))?;
    Ok(HttpResponse::Ok().json(Outcome::of("activated")))
}
