//! Customer area (seed 001): `/customers/…`. Sign-in here is the sign-in for every surface.

pub mod account;
pub mod activation;
pub mod email_change;
pub mod login;
pub mod password_reset;

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use crate::routing::resource;

/// `{"result": "…"}`, the Customer area's acknowledgement.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outcome {
    #[schema(example = "updated")]
    result: &'static str,
}

impl Outcome {
    pub fn of(result: &'static str) -> Self {
        Outcome { result }
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/customers/login", "POST").route(web::post().to(login::login)))
        .service(
            resource("/customers/self", "GET, PATCH, DELETE")
                .route(web::get().to(account::get_self))
                .route(web::patch().to(account::patch_self))
                .route(web::delete().to(account::delete_self)),
        )
        .service(resource("/customers/signup", "POST").route(web::post().to(activation::signup)))
        .service(resource("/customers/activate", "POST").route(web::post().to(activation::activate)))
        .service(
            resource("/customers/newemail_confirm", "POST")
                .route(web::post().to(email_change::newemail_confirm)),
        )
        .service(
            resource("/customers/password_reset", "POST")
                .route(web::post().to(password_reset::password_reset)),
        )
        .service(resource("/customers/do_reset", "POST").route(web::post().to(password_reset::do_reset)));
}
