//! Pages for the links in mails, at the addresses the seeds' API paths share: activation
//! (`GET /customers/activate`), email confirmation (`GET /customers/newemail_confirm`) and
//! password reset (`GET /customers/do_reset/{code}`). Server-rendered (minijinja), one
//! stylesheet and one script served from here; the script reads the link's secrets from its
//! fragment and calls the JSON API. Strict Content-Security-Policy, no referrer, no caching.

mod texts;

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::{context, Environment};

use crate::state::AppState;

/// Only this service's own script, style and API; nothing may frame the pages.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The name the first migration gives the default tenant: a placeholder, not a name to show.
const UNNAMED_DEFAULT: &str = "Default tenant";

const CSS: &str = include_str!("assets/pages.css");
const JS: &str = include_str!("assets/pages.js");

fn templates() -> &'static Environment<'static> {
    static TEMPLATES: OnceLock<Environment<'static>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("layout.html", include_str!("templates/layout.html")),
            ("activate.html", include_str!("templates/activate.html")),
            ("confirm_email.html", include_str!("templates/confirm_email.html")),
            ("reset.html", include_str!("templates/reset.html")),
        ] {
            env.add_template(name, source)
                .expect("the pages' templates parse");
        }
        env
    })
}

/// The `tenant` the link names, if any; a query that does not parse names none (the page
/// still loads, and its API calls will say what is wrong).
fn tenant_of(req: &HttpRequest) -> Option<String> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string()).ok()?;
    pairs
        .into_inner()
        .into_iter()
        .find(|(k, _)| k == "tenant")
        .map(|(_, v)| v)
}

/// The page the activation link opens: choose a password (its secrets travel in the fragment,
/// `#identifier=…&secret=…`).
#[utoipa::path(get, path = "/customers/activate", tag = "Pages", operation_id = "pages_activation",
    params(("tenant" = Option<String>, Query, description = "the tenant the link is for")),
    responses((status = 200, description = "The page that activates the account with the secret in the link's fragment.", content_type = "text/html", body = String)))]
pub async fn activation(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    render(&state, &req, "activate", tenant_of(&req).as_deref()).await
}

/// The page the email-confirmation link opens: one button confirms, never the page's loading
/// (`#identifier=…&key=…` in the fragment).
#[utoipa::path(get, path = "/customers/newemail_confirm", tag = "Pages", operation_id = "pages_email_confirmation",
    params(("tenant" = Option<String>, Query, description = "the tenant the link is for")),
    responses((status = 200, description = "The page that confirms the new address with the key in the link's fragment.", content_type = "text/html", body = String)))]
pub async fn email_confirmation(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    render(&state, &req, "confirm_email", tenant_of(&req).as_deref()).await
}

/// The page the reset link opens: the address, then the new passphrase, once.
#[utoipa::path(get, path = "/customers/do_reset/{code}", tag = "Pages", operation_id = "pages_password_reset",
    params(("code" = String, Path, description = "the mailed code"),
        ("tenant" = Option<String>, Query, description = "the tenant the link is for")),
    responses((status = 200, description = "The page that asks for a new password for the mailed code.", content_type = "text/html", body = String)))]
pub async fn reset(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    render(&state, &req, "reset", tenant_of(&req).as_deref()).await
}

/// The tenant's display name; none for an unknown tenant (its API calls will say) or the
/// default tenant's placeholder. Anyone can open a page: the names come from memory (see
/// `Tenants::display_name`), and an unknown id costs nothing.
async fn tenant_name(state: &AppState, id: &str) -> Option<String> {
    state
        .tenants
        .display_name(id)
        .await
        .filter(|name| name != UNNAMED_DEFAULT)
}

async fn render(state: &AppState, req: &HttpRequest, page: &str, tenant: Option<&str>) -> HttpResponse {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = texts::language(accept);
    let t = texts::texts(lang);
    let tenant_name = tenant_name(state, tenant.unwrap_or("default")).await;
    // `</` cannot end the script element that carries the messages.
    let messages_json = serde_json::to_string(&t.messages)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/");
    let body = templates()
        .get_template(&format!("{page}.html"))
        .and_then(|template| {
            template.render(context! {
                lang, page, t, tenant_name,
                messages_json => minijinja::Value::from_safe_string(messages_json),
            })
        });
    match body {
        Ok(body) => {
            let mut response = HttpResponse::Ok();
            response.insert_header((header::VARY, "Accept-Language"));
            page_response(response, "text/html; charset=utf-8", body)
        }
        Err(error) => {
            tracing::error!(%error, page, "a page could not be rendered");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The headers every page and asset carries.
fn page_response(
    mut response: actix_web::HttpResponseBuilder,
    content_type: &'static str,
    body: String,
) -> HttpResponse {
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    use crate::routing::{get_and_head, resource};
    cfg.service(get_and_head(
        resource("/customers/do_reset/{code}", "GET, HEAD"),
        reset,
    ))
    .service(get_and_head(
        resource("/assets/pages.css", "GET, HEAD"),
        || async { page_response(HttpResponse::Ok(), "text/css; charset=utf-8", CSS.to_owned()) },
    ))
    .service(get_and_head(
        resource("/assets/pages.js", "GET, HEAD"),
        || async {
            page_response(
                HttpResponse::Ok(),
                "text/javascript; charset=utf-8",
                JS.to_owned(),
            )
        },
    ));
}
