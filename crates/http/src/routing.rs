use actix_web::{web, Resource};

use crate::problem::Problem;

/// A resource that answers methods it does not serve with 405 and an `Allow` header listing
/// those it does (`allow` must name exactly the routes added to it).
pub fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<(), _>(Problem::method_not_allowed(allow))
    }))
}

pub async fn not_found() -> Result<(), Problem> {
    Err(Problem::not_found())
}
