//! B2Core client profile (seed 000): `/api/v2/my/profile` and its deactivation.

pub mod bodies;
pub mod deactivation;
pub mod profile;

use actix_web::web;

use crate::routing::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/v2/my/profile", "GET, PUT, PATCH")
            .route(web::get().to(profile::get_profile))
            .route(web::put().to(profile::put_profile))
            .route(web::patch().to(profile::patch_profile)),
    )
    .service(
        resource("/api/v2/my/profile/deactivation", "GET, POST")
            .route(web::get().to(deactivation::start_deactivation))
            .route(web::post().to(deactivation::confirm_deactivation)),
    );
}
