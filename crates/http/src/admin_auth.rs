//! The back office's caller: `Authorization: Bearer $CLIENTELE_ADMIN_TOKEN`.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use clientele_security::{constant_time_eq, sha256_hex};
use futures_util::future::{ready, Ready};

use crate::bearer::bearer_token;
use crate::problem::Problem;
use crate::state::AppState;

pub struct Admin;

impl FromRequest for Admin {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let expected = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.admin_token_sha256.clone());
        let ok = match (expected, bearer_token(req)) {
            (Some(expected), Some(token)) => constant_time_eq(&sha256_hex(&token), &expected),
            _ => false,
        };
        ready(if ok {
            Ok(Admin)
        } else {
            Err(Problem::unauthorized())
        })
    }
}
