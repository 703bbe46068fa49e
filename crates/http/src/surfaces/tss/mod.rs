//! TSS user profile (seed 003): `/api/user/profile` and its two-factor steps,
//! `/api/user/change-password`.

pub mod change_password;
pub mod profile;

use actix_web::web;

use crate::routing::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/user/profile", "GET, POST")
            .route(web::get().to(profile::get_profile))
            .route(web::post().to(profile::post_profile)),
    )
    .service(
        resource("/api/user/change-password", "POST").route(web::post().to(change_password::change_password)),
    );
}
