use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App, Error};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::metrics::record_requests;
use crate::openapi::ApiDoc;
use crate::problem_details::problem_details;
use crate::request_log::RequestLog;
use crate::routing::not_found;
use crate::state::AppState;
use crate::{admin, health, metrics, pages, surfaces};

/// The whole application: every surface, the back office, health, docs, and the middleware
/// that gives every error the problem shape and every request an id in the logs.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let limits = state.rate_limits.clone();
    App::new()
        .app_data(web::Data::new(state))
        .wrap(from_fn(problem_details))
        .wrap(from_fn(record_requests))
        .wrap(TracingLogger::<RequestLog>::new())
        .configure(|cfg| surfaces::customer_area::routes(cfg, limits))
        .configure(surfaces::b2core::routes)
        .configure(surfaces::cl2c::routes)
        .configure(surfaces::tss::routes)
        .configure(admin::routes)
        .configure(health::routes)
        .configure(metrics::routes)
        .configure(pages::routes)
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi()))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(not_found))
}
