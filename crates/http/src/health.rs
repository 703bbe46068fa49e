use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::Problem;
use crate::routing::{get_and_head, resource};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(get_and_head(resource("/health/live", "GET, HEAD"), live))
        .service(get_and_head(resource("/health/ready", "GET, HEAD"), ready));
}

/// The process is up and serving.
#[utoipa::path(get, path = "/health/live", tag = "Operations", operation_id = "operations_live", responses((status = 200, description = "The process serves requests.", body = Health)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The process can serve requests: the database answers.
#[utoipa::path(get, path = "/health/ready", tag = "Operations", operation_id = "operations_ready",
    responses((status = 200, description = "The database answers: the instance can take traffic.", body = Health), (status = 503, description = "The database does not answer: keep traffic away.", body = Problem)))]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    match state.readiness.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(Health { status: "ok" })),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            Err(Problem::unavailable().detail("The database is not answering."))
        }
    }
}
