use actix_web::{web, HttpResponse};
use clientele_domain::FieldErrors;

use super::Outcome;
use crate::body::JsonObject;
use crate::domain_errors::{problem_about, same_names, Held};
use crate::fields::{reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::RequestTenant;

/// Confirm the new email address with the identifier and key mailed to it.
#[utoipa::path(post, path = "/customers/newemail_confirm", tag = "Customer area", operation_id = "customer_area_confirm_new_email",
    request_body(content = super::bodies::NewEmailConfirmBody),
    responses((status = 200, description = "The new address is the account's.", body = Outcome), (status = 400, description = "The body is invalid, or the link's key is not valid.", body = Problem), (status = 409, description = "The address became another account's meanwhile.", body = Problem),
        (status = 410, description = "The link expired: ask for the change again.", body = Problem), (status = 429, description = "Too many requests from this client: retry after `Retry-After`.", body = Problem)))]
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
        .map_err(|e| problem_about(e, same_names, Held::Link))?;
    Ok(HttpResponse::Ok().json(Outcome::of("updated")))
}
