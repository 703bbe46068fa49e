use actix_web::{web, Resource};

use crate::problem::Problem;

/// A resource that answers methods it does not serve with 405 and an `Allow` header listing
/// those it does (`allow` must name exactly the routes added to it; `HEAD` is added where
/// `GET` is, see [`crate::head_requests`]).
pub fn resource(path: &str, allow: &'static str) -> Resource {
    let allow = if allow.split(", ").any(|method| method == "GET") {
        format!("{allow}, HEAD")
    } else {
        allow.to_owned()
    };
    web::resource(path).default_service(web::to(move || {
        let allow = allow.clone();
        async move { Err::<(), _>(Problem::method_not_allowed(&allow)) }
    }))
}

pub async fn not_found() -> Result<(), Problem> {
    Err(Problem::not_found())
}
