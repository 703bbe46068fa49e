//! Makes every 4xx/5xx answer a problem document carrying the request's id as `instance`,
//! whichever part produced it (a handler, an extractor, the router, the framework), and marks
//! every answer `Cache-Control: no-store` (they carry personal data or secrets). Under
//! `/v1/cl2c/` every failure but validation takes that surface's default shape instead.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};
use tracing_actix_web::RequestId;

use crate::client_address::client_ip;
use crate::problem::{Problem, CONTENT_TYPE};
use crate::request_context::{within_request, RequestScope};
use crate::surfaces::cl2c;

pub async fn problem_details(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let cl2c = req.path().starts_with(cl2c::PREFIX);
    let scope = RequestScope {
        id: request_id.clone(),
        client_address: client_ip(req.request()).map(|ip| ip.to_string()),
        user_agent: req.headers().get(actix_web::http::header::USER_AGENT).cloned(),
    };
    let mut res = within_request(scope, next.call(req)).await?.map_into_boxed_body();
    let status = res.status();
    if status.is_client_error() || status.is_server_error() {
        let problem = match res.response().error() {
            Some(error) => match error.as_error::<Problem>() {
                Some(problem) => Some(problem.clone()),
                None => {
                    if status.is_server_error() {
                        tracing::error!(error = %error, "unhandled error");
                    }
                    let mut problem = Problem::from_status(status);
                    if status.is_client_error() && problem.detail.is_none() {
                        problem = problem.detail(error.to_string());
                    }
                    Some(problem)
                }
            },
            None if !is_problem(&res) => Some(Problem::from_status(status)),
            None => None,
        };
        if let Some(mut problem) = problem {
            // What a replaced response said about when to come back (a rate limiter's
            // Retry-After) still holds.
            let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
            if let Some(after) = retry_after.filter(|_| !problem.has_header(&header::RETRY_AFTER)) {
                problem = problem.keep_header(header::RETRY_AFTER, after);
            }
            if let Some(id) = &request_id {
                problem = problem.with_instance(format!("urn:uuid:{id}"));
            }
            let (req, _) = res.into_parts();
            let response = if cl2c && !cl2c::keeps_problem_shape(&problem) {
                cl2c::default_error(&problem, request_id.as_deref())
            } else {
                problem.error_response()
            };
            res = ServiceResponse::new(req, response);
        }
    }
    let headers = res.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        headers.insert(header::HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}

fn is_problem(res: &ServiceResponse<BoxBody>) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(CONTENT_TYPE.as_bytes()))
}
