//! Prometheus metrics of the HTTP edge: every request counted by method, route template and
//! status, with its latency in a histogram; and `GET /metrics`, the exposition text, behind the
//! admin token unless it is served on a listener of its own (`CLIENTELE_METRICS_LISTEN`).
//! Labels never carry a path as sent, an address, an id or any other unbounded value.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};

use crate::admin_auth::Admin;
use crate::problem::Problem;
use crate::routing::resource;
use crate::state::AppState;

/// Renders the exposition text (the app installs the recorder and hands this over).
pub type MetricsText = Arc<dyn Fn() -> String + Send + Sync>;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Counts the request and times it.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(no route)".to_owned());
    let status = res.status().as_u16().to_string();
    metrics::counter!("clientele_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("clientele_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// The method, or `other` for one nobody routes (an unbounded label otherwise).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/metrics", "GET").route(web::get().to(metrics_behind_the_admin_token)));
}

/// The service's metrics in Prometheus' text format, for the back office's token; not here
/// (404) when `CLIENTELE_METRICS_LISTEN` serves them on a listener of their own.
#[utoipa::path(get, path = "/metrics", tag = "Operations", operation_id = "operations_metrics", security(("admin" = [])),
    responses((status = 200, description = "Prometheus metrics, text format.", content_type = "text/plain", body = String),
        (status = 401, body = Problem), (status = 404, description = "Metrics are served on their own listener (`CLIENTELE_METRICS_LISTEN`), not here.", body = Problem)))]
pub async fn metrics_behind_the_admin_token(
    state: web::Data<AppState>,
    _admin: Admin,
) -> Result<HttpResponse, Problem> {
    let text = state.metrics.as_ref().ok_or_else(Problem::not_found)?;
    Ok(exposition(text))
}

/// The exposition as an answer.
pub fn exposition(text: &MetricsText) -> HttpResponse {
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_are_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
