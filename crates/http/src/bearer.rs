//! The signed-in customer of a request, from `Authorization: Bearer <token>`, within the
//! request's tenant (see [`crate::tenant_header`]).

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use clientele_domain::services::Authenticated;
use clientele_domain::{DomainError, TenantId};
use futures_util::future::LocalBoxFuture;

use crate::domain_errors::{problem_for, same_names};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::tenant_header;

pub struct Customer(pub Authenticated);

/// The token of an `Authorization: Bearer …` header (scheme matched case-insensitively).
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

impl FromRequest for Customer {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let tenant = tenant_header(req);
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(Problem::unauthorized());
            };
            // A token carries its tenant: used with another tenant's header (or without one, for
            // another tenant than the default) it is refused. A valid token's tenant existed
            // when it was issued and tenants are never deleted, so the header needs no lookup.
            let wanted = match &tenant {
                None => Some(TenantId::DEFAULT),
                Some(header) => header.to_str().ok().map(str::trim),
            };
            match state.sign_in.authenticate(&token).await {
                Ok(who) if Some(who.session.tenant.as_str()) == wanted => Ok(Customer(who)),
                Ok(_) => Err(Problem::unauthorized()),
                // A database that is down is a 503, not a reason to call the token bad.
                Err(e @ (DomainError::Unavailable(_) | DomainError::Overloaded)) => {
                    Err(problem_for(e, same_names))
                }
                Err(_) => Err(Problem::unauthorized()),
            }
        })
    }
}
