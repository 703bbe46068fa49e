use actix_web::{web, HttpResponse};
use clientele_domain::FieldErrors;

use super::Outcome;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

/// Confirm the new email address with the identifier and key mailed to it.
#[utoipa::path(post, path = "/customers/newemail_confirm", tag = "Customer area",
    request_body(content = super::bodies::NewEmailConfirmBody),
    responses((status = 200, body = Outcome), (status = 400, body = Problem), (status = 409, body = Problem),
        (status = 410, body = Problem), (status = 429, body = Problem)))]
pub async fn newemail_confirm(
    state: web::Data<AppState>,
    RequestTenant(tenant): RequestTenant,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let mut errors = FieldErrors::new();
    reject_other_keys(&body.0, &["identifier", "key"], &[], "", &mut errors);
    let identifier = required_text(&body.0, "identifier", &mut errors);
    let key = required_text(&body.0, "key", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    state
        .email_change
        .confirm_email(&tenant, &identifier, &key)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(Outcome::of("updated")))
}
