//! How the domain's errors read over HTTP.

use actix_web::http::StatusCode;
use clientele_domain::DomainError;

use crate::problem::Problem;

/// Maps a use case's error to a problem; `rename` turns the domain's field names into the
/// surface's (`first_name` → `info.firstName`).
pub fn problem_for(error: DomainError, rename: fn(&str) -> Option<&'static str>) -> Problem {
    match error {
        DomainError::Invalid(errors) => Problem::invalid(errors.renamed(rename)),
        DomainError::Unauthenticated => Problem::unauthorized(),
        DomainError::NotFound => Problem::not_found(),
        DomainError::Conflict(reason) => {
            Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(reason)
        }
        DomainError::Unavailable(reason) => {
            tracing::error!(%reason, "dependency unavailable");
            Problem::unavailable()
        }
    }
}

/// For surfaces whose field names are the domain's.
pub fn same_names(_: &str) -> Option<&'static str> {
    None
}
