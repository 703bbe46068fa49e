//! Customer area (seed 001): `/customers/…`. Sign-in here is the sign-in for every surface.

pub mod login;

use actix_web::web;

use crate::routing::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/customers/login", "POST").route(web::post().to(login::login)));
}
