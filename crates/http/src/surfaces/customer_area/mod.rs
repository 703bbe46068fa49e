//! Customer area (seed 001): `/customers/…`. Sign-in here is the sign-in for every surface.

pub mod account;
pub mod activation;
pub mod bodies;
pub mod email_change;
pub mod factors;
pub mod login;
pub mod password_reset;
pub mod sessions;

use actix_web::web;
use serde::Serialize;
use utoipa::ToSchema;

use actix_governor::governor::middleware::StateInformationMiddleware;
use actix_governor::Governor;
use actix_web::dev::HttpServiceFactory;
use actix_web::middleware::Condition;
use actix_web::{Resource, Route};

use crate::rate_limit::RateLimits;
use crate::routing::{get_and_head, resource};

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

/// `resource` under the shared per-client limit, when there is one.
fn limited(resource: Resource, limits: Option<&RateLimits>) -> impl HttpServiceFactory + 'static {
    resource.wrap(limiter(limits))
}

/// One route of a resource limited (the others, a page say, are not).
fn limited_route(route: Route, limits: Option<&RateLimits>) -> Route {
    route.wrap(limiter(limits))
}

fn limiter(
    limits: Option<&RateLimits>,
) -> Condition<Governor<crate::rate_limit::ClientIpKeyExtractor, StateInformationMiddleware>> {
    let governor = limits.map(|l| Governor::new(&l.config));
    let enabled = governor.is_some();
    // Condition needs a middleware either way; an unused one costs nothing per request.
    let governor = governor.unwrap_or_else(|| {
        Governor::new(
            &RateLimits::per_minute(1, Default::default())
                .expect("1 is not 0")
                .config,
        )
    });
    Condition::new(enabled, governor)
}

pub fn routes(cfg: &mut web::ServiceConfig, limits: Option<RateLimits>) {
    // The routes anyone can call that check a password or secret, or send mail, are limited.
    let limits = limits.as_ref();
    let post = |path: &str| resource(path, "POST");
    cfg.service(limited(
        post("/customers/login").route(web::post().to(login::login)),
        limits,
    ))
    .service(limited(
        post("/customers/login/verify-otp").route(web::post().to(login::verify_login_otp)),
        limits,
    ))
    .service(limited(
        post("/customers/login/verify").route(web::post().to(login::verify_login)),
        limits,
    ))
    .service(limited(
        post("/customers/login/sms").route(web::post().to(login::text_login_code)),
        limits,
    ))
    .service(limited(
        post("/customers/login/passkey/options").route(web::post().to(login::passkey_sign_in_options)),
        limits,
    ))
    .service(limited(
        post("/customers/login/passkey").route(web::post().to(login::passkey_sign_in)),
        limits,
    ))
    .service(limited(
        post("/customers/signup").route(web::post().to(activation::signup)),
        limits,
    ))
    // The links in mails open these addresses in a browser: GET is the page (not limited),
    // POST the API.
    .service(
        get_and_head(
            resource("/customers/activate", "GET, HEAD, POST"),
            crate::pages::activation,
        )
        .route(limited_route(web::post().to(activation::activate), limits)),
    )
    .service(
        get_and_head(
            resource("/customers/newemail_confirm", "GET, HEAD, POST"),
            crate::pages::email_confirmation,
        )
        .route(limited_route(
            web::post().to(email_change::newemail_confirm),
            limits,
        )),
    )
    .service(limited(
        post("/customers/password_reset").route(web::post().to(password_reset::password_reset)),
        limits,
    ))
    .service(limited(
        post("/customers/do_reset").route(web::post().to(password_reset::do_reset)),
        limits,
    ))
    .service(resource("/customers/self/factors", "GET").route(web::get().to(factors::list_factors)))
    .service(post("/customers/self/factors/totp").route(web::post().to(factors::start_totp)))
    .service(post("/customers/self/factors/webauthn/options").route(web::post().to(factors::passkey_options)))
    .service(post("/customers/self/factors/webauthn").route(web::post().to(factors::add_passkey)))
    .service(post("/customers/self/factors/totp/{id}/confirm").route(web::post().to(factors::confirm_totp)))
    .service(
        resource("/customers/self/factors/{id}", "DELETE").route(web::delete().to(factors::remove_factor)),
    )
    .service(post("/customers/self/recovery-codes").route(web::post().to(factors::replace_recovery_codes)))
    .service(resource("/customers/self/sessions", "GET").route(web::get().to(sessions::list_sessions)))
    .service(
        post("/customers/self/sessions/revoke-others").route(web::post().to(sessions::end_other_sessions)),
    )
    .service(
        resource("/customers/self/sessions/{id}", "DELETE").route(web::delete().to(sessions::end_session)),
    )
    .service(post("/customers/logout").route(web::post().to(sessions::logout)))
    .service(resource("/customers/self/activity", "GET").route(web::get().to(sessions::activity)))
    .service(resource("/customers/self/export", "GET").route(web::get().to(sessions::export)))
    .service(
        resource("/customers/self/pending-email", "GET, DELETE")
            .route(web::get().to(sessions::pending_email))
            .route(web::delete().to(sessions::withdraw_pending_email)),
    )
    .service(
        resource("/customers/self", "GET, PATCH, DELETE")
            .route(web::get().to(account::get_self))
            .route(web::patch().to(account::patch_self))
            .route(web::delete().to(account::delete_self)),
    );
}
