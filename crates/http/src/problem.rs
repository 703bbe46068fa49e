//! RFC 9457 problem details: the body of every error this service sends.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use clientele_domain::FieldErrors;
use serde::Serialize;

pub const CONTENT_TYPE: &str = "application/problem+json";

/// Problem types are URNs named in docs/errors.md.
const TYPE_PREFIX: &str = "urn:clientele:problem:";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Per-field validation messages, keyed by the field's name as the request spelled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip)]
    #[schema(ignore)]
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str) -> Self {
        Problem {
            kind: format!("{TYPE_PREFIX}{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            errors: None,
            headers: Vec::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn header(mut self, name: HeaderName, value: &'static str) -> Self {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    /// Headers the answer carries besides the body (`Retry-After`, …).
    pub fn headers(&self) -> impl Iterator<Item = &(HeaderName, HeaderValue)> {
        self.headers.iter()
    }

    pub fn has_header(&self, name: &HeaderName) -> bool {
        self.headers.iter().any(|(n, _)| n == name)
    }

    /// Keeps a header of the response this problem replaces (e.g. a limiter's `Retry-After`).
    pub fn keep_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn with_instance(mut self, instance: String) -> Self {
        self.instance = Some(instance);
        self
    }

    /// 400 with an `errors` member, as the CL2C surface documents.
    pub fn invalid(errors: FieldErrors) -> Self {
        let map = errors.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Problem {
            errors: Some(map),
            ..Problem::new(StatusCode::BAD_REQUEST, "validation-failed", "Invalid Request")
                .detail("One or more fields are invalid; see errors.")
        }
    }

    /// 409 naming the fields whose values another account holds.
    pub fn taken(errors: FieldErrors) -> Self {
        let map = errors.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Problem {
            errors: Some(map),
            ..Problem::new(StatusCode::CONFLICT, "conflict", "Conflict")
                .detail("A value is already another account's; see errors.")
        }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "malformed-request", "Malformed Request").detail(detail)
    }

    pub fn unauthorized() -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
            .detail("A valid bearer token is required.")
            .header(header::WWW_AUTHENTICATE, "Bearer")
    }

    /// A `tenant` header that names no tenant of this instance, on a route that takes no
    /// credential (on the others it is answered as a bad credential).
    pub fn unknown_tenant() -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
            .detail("The `tenant` header names no tenant of this service.")
            // Every 401 names a challenge (RFC 9110); the tenant is what is refused here.
            .header(header::WWW_AUTHENTICATE, "Bearer")
    }

    /// A sensitive change asked of a session older than `CLIENTELE_REAUTH_MAX_AGE_SECS`: the
    /// step-up challenge of RFC 9470, with a problem type that says what to do.
    pub fn sign_in_again() -> Self {
        Problem::new(StatusCode::UNAUTHORIZED, "sign-in-again", "Sign In Again")
            .detail("This change needs a recent sign-in: sign in again, then retry with the new token.")
            .header(
                header::WWW_AUTHENTICATE,
                "Bearer error=\"insufficient_user_authentication\", error_description=\"A recent sign-in is required\"",
            )
    }

    pub fn not_found() -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not Found")
            .detail("There is nothing at this address.")
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method Not Allowed",
        )
        .detail(format!("This address accepts {allow}."))
        .header(header::ALLOW, allow)
    }

    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal Server Error",
        )
        .detail("Something went wrong on our side; the request id identifies it in our logs.")
    }

    pub fn unavailable() -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service Unavailable",
        )
        .detail("A dependency is not answering; nothing was changed. Retry shortly.")
        .header(header::RETRY_AFTER, "5")
    }

    pub fn overloaded() -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "Service Unavailable",
        )
        .detail("The service is at capacity; nothing was done. Retry shortly.")
        .header(header::RETRY_AFTER, "1")
    }

    /// A problem for a status some framework part produced without a body of ours.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            404 => Problem::not_found(),
            413 => Problem::new(status, "payload-too-large", "Payload Too Large")
                .detail("The request body is larger than this service accepts."),
            429 => Problem::new(status, "rate-limited", "Too Many Requests")
                .detail("Too many requests from this address; wait as Retry-After says."),
            s if s >= 500 => Problem::internal(),
            _ => Problem::new(status, "http-error", status.canonical_reason().unwrap_or("Error")),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.title)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(CONTENT_TYPE);
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.body(serde_json::to_vec(self).unwrap_or_default())
    }
}
