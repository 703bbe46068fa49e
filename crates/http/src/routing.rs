use actix_web::{web, Resource};

use crate::problem::Problem;

/// A resource that answers methods it does not serve with 405 and an `Allow` header listing
/// those it does (`allow` must name exactly the routes added to it).
pub fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<(), _>(Problem::method_not_allowed(allow))
    }))
}

/// `GET` and `HEAD` (the same answer without its body, RFC 9110 §9.3.2) served by `handler`:
/// for what link checkers, mail scanners and load balancers ask with `HEAD` — pages, assets,
/// health. Only for handlers without side effects: an API `GET` that mails a code or writes
/// stays `GET` only (its `HEAD` is a 405).
pub fn get_and_head<F, Args>(resource: Resource, handler: F) -> Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    resource
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

pub async fn not_found() -> Result<(), Problem> {
    Err(Problem::not_found())
}
