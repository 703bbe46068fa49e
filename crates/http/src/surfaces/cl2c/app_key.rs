//! The app calling the CL2C surface: its `tenant` and `X-API-Key` headers, checked (and the
//! key's rate applied) before the body is read, so that an unauthenticated flood costs no
//! body buffering or parsing.

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use clientele_domain::api_key::ApiKey;
use clientele_domain::DomainError;
use futures_util::future::LocalBoxFuture;

use crate::domain_errors::problem_for;
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::TENANT_HEADER;

pub const API_KEY_HEADER: &str = "x-api-key";

pub struct AppKey(pub ApiKey);

fn header_text(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Every authentication failure reads alike: a missing, malformed, unknown, revoked or other
/// tenant's key, and an unknown tenant.
pub fn unauthorized() -> Problem {
    Problem::unauthorized().detail("The tenant and X-API-Key headers do not name a valid key of that tenant.")
}

impl FromRequest for AppKey {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let (tenant, presented) = (header_text(req, TENANT_HEADER), header_text(req, API_KEY_HEADER));
        Box::pin(async move {
            let Some(state) = state else {
                return Err(unauthorized());
            };
            let key = state
                .api_keys
                .authenticate(&tenant, &presented)
                .await
                .map_err(|e| match e {
                    DomainError::Unauthenticated => unauthorized(),
                    other => problem_for(other, |_| None),
                })?;
            if let Some(limits) = &state.key_limits {
                if let Err(wait) = limits.check(key.id.0) {
                    let seconds = wait.as_secs().max(1).to_string();
                    return Err(Problem::from_status(StatusCode::TOO_MANY_REQUESTS)
                        .detail("Too many requests with this API key; wait as Retry-After says.")
                        .keep_header(
                            header::RETRY_AFTER,
                            HeaderValue::from_str(&seconds).expect("digits are a header value"),
                        ));
                }
            }
            Ok(AppKey(key))
        })
    }
}
