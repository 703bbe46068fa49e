//! The tenant a request acts for: the `tenant` header, or the `default` tenant without one. An
//! unknown or malformed tenant is refused as an unauthenticated request (401), the same answer
//! as a bad credential, so that tenant ids cannot be enumerated.

use actix_web::dev::Payload;
use actix_web::http::header::HeaderValue;
use actix_web::{web, FromRequest, HttpRequest};
use clientele_domain::{DomainError, TenantId};
use futures_util::future::LocalBoxFuture;

use crate::domain_errors::{problem_for, same_names};
use crate::problem::Problem;
use crate::state::AppState;

pub const TENANT_HEADER: &str = "tenant";

pub struct RequestTenant(pub TenantId);

/// The request's `tenant` header, as sent.
pub fn tenant_header(req: &HttpRequest) -> Option<HeaderValue> {
    req.headers().get(TENANT_HEADER).cloned()
}

/// The tenant named by `header`: `Unauthenticated` when it names none of this instance's.
pub async fn tenant_named(state: &AppState, header: Option<HeaderValue>) -> Result<TenantId, DomainError> {
    let Some(raw) = header else {
        return Ok(TenantId::default_tenant());
    };
    let id = raw
        .to_str()
        .ok()
        .and_then(|raw| TenantId::parse(raw.trim()))
        .ok_or(DomainError::Unauthenticated)?;
    if state.tenants.exists(&id).await? {
        Ok(id)
    } else {
        Err(DomainError::Unauthenticated)
    }
}

/// A refusal of the tenant in the problem shape: 401, or 503 when the database did not answer.
pub fn refusal(error: DomainError) -> Problem {
    match error {
        e @ (DomainError::Unavailable(_) | DomainError::Overloaded) => problem_for(e, same_names),
        _ => Problem::unknown_tenant(),
    }
}

impl FromRequest for RequestTenant {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = tenant_header(req);
        Box::pin(async move {
            let Some(state) = state else {
                return Err(Problem::unknown_tenant());
            };
            tenant_named(&state, header)
                .await
                .map(RequestTenant)
                .map_err(refusal)
        })
    }
}
