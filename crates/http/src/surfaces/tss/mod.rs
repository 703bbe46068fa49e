//! TSS user profile (seed 003): `/api/user/profile` and its two-factor steps,
//! `/api/user/change-password`.

pub mod bodies;
pub mod change_password;
pub mod details;
pub mod profile;
pub mod two_factor;

use actix_web::web;

use crate::routing::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/user/profile", "GET, POST")
            .route(web::get().to(profile::get_profile))
            .route(web::post().to(profile::post_profile)),
    )
    .service(resource("/api/user/profile/2fa", "POST").route(web::post().to(two_factor::post_profile_2fa)))
    .service(resource("/api/user/profile/verify-otp", "POST").route(web::post().to(two_factor::verify_otp)))
    .service(
        resource("/api/user/change-password", "POST").route(web::post().to(change_password::change_password)),
    );
}
