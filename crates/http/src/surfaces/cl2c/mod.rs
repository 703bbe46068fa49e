//! CL2C (seed 002): `PUT /v1/cl2c/user`, called by a tenant's app with its API key. A bad
//! request is a problem document (with `errors` for validation); every other failure has the seed's default shape
//! (see [`default_error`]), rendered by the problem-details middleware for every answer under
//! `/v1/cl2c/`, whichever part produced it.

pub mod app_key;
pub mod user;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::Problem;
use crate::routing::resource;

/// Paths of this surface start so.
pub const PREFIX: &str = "/v1/cl2c/";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/cl2c/user", "PUT").route(web::put().to(user::put_user)));
}

/// The seed's default error: every failure but validation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultError {
    messages: Vec<String>,
    /// Always `Clientele`.
    source: &'static str,
    /// A stable name of the kind of failure (`Unauthorized`, `NotFound`, …), never an internal
    /// type name or a trace.
    exception: String,
    /// The request's id, as the service's log carries it.
    error_id: String,
    support_message: &'static str,
    status_code: u16,
}

/// Whether `problem` keeps the problem-details shape on this surface: a bad request does
/// (validation names its fields; a body that is no JSON object has none to name), so that one
/// status has one shape a generated client can read.
pub fn keeps_problem_shape(problem: &Problem) -> bool {
    problem.status == StatusCode::BAD_REQUEST.as_u16()
}

/// `problem` in the seed's default shape, its headers (`Retry-After`) kept.
pub fn default_error(problem: &Problem, request_id: Option<&str>) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = DefaultError {
        messages: vec![problem.detail.clone().unwrap_or_else(|| problem.title.clone())],
        source: "Clientele",
        exception: problem.title.split_whitespace().collect(),
        error_id: request_id.unwrap_or_default().to_owned(),
        support_message: "Please contact support with this error ID.",
        status_code: status.as_u16(),
    };
    let mut response = HttpResponse::build(status);
    for (name, value) in problem.headers() {
        response.insert_header((name.clone(), value.clone()));
    }
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .json(body)
}
