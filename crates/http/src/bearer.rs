//! The signed-in customer of a request, from `Authorization: Bearer <token>`, within the
//! request's tenant (see [`crate::tenant_header`]).

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use clientele_domain::services::Authenticated;
use clientele_domain::DomainError;
use futures_util::future::LocalBoxFuture;

use crate::domain_errors::{problem_for, same_names};
use crate::problem::Problem;
use crate::state::AppState;
use crate::tenant_header::{refusal, tenant_header, tenant_named};

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
            let tenant = tenant_named(&state, tenant).await.map_err(refusal)?;
            match state.sign_in.authenticate(&token).await {
                // A token carries its tenant: used with another tenant's header it is refused.
                Ok(who) if who.session.tenant == tenant => Ok(Customer(who)),
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
