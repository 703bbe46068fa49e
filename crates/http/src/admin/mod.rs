//! The back office: `/admin/v1/…`, authenticated with the admin token.

pub mod customers;
pub mod outbox;

use actix_web::web;

use crate::routing::resource;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/customers", "POST").route(web::post().to(customers::create_customer)))
        .service(resource("/admin/v1/customers/{id}", "GET").route(web::get().to(customers::get_customer)))
        .service(resource("/admin/v1/outbox", "GET").route(web::get().to(outbox::list_outbox)));
}
