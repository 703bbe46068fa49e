use actix_web::{web, HttpResponse};
use clientele_domain::FieldErrors;
use serde::Serialize;
use utoipa::ToSchema;

use crate::bearer::Customer;
use crate::body::JsonObject;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::{optional_text, reject_other_keys, required_text};
use crate::problem::Problem;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordUpdated {
    /// `Password Updated`.
    msg: &'static str,
}

/// Change the password: `{"old_password": "…", "password": "…"}`. Every other device is signed
/// out; the token in hand keeps working. An account without a password (`has_password: 0`)
/// sets one with `old_password` empty. A wrong `old_password` is a 400 naming it, and counts
/// toward the sign-in lockout.
#[utoipa::path(post, path = "/api/user/change-password", tag = "TSS", operation_id = "tss_change_password", security(("bearer" = [])),
    request_body(content = super::bodies::TssChangePasswordBody),
    responses((status = 200, description = "The password is changed; every other session ended.", body = PasswordUpdated), (status = 400, description = "The body is invalid, or the current password is wrong.", body = Problem),
        (status = 401, body = Problem), (status = 409, description = "The password was changed by another request meanwhile.", body = Problem), (status = 503, body = Problem)))]
pub async fn change_password(
    state: web::Data<AppState>,
    who: Customer,
    body: JsonObject,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    let mut errors = FieldErrors::new();
    reject_other_keys(&body, &["old_password", "password"], &[], "", &mut errors);
    let old = optional_text(&body, "old_password", &mut errors).unwrap_or_default();
    let new = required_text(&body, "password", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    state
        .password_change
        .change(&who.0, &old, &new)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(PasswordUpdated {
        msg: "Password Updated",
    }))
}
