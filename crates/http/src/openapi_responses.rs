//! Makes the OpenAPI document say what the service sends: every failure as
//! `application/problem+json` (CL2C's default shape as `application/json`), the statuses any
//! route can answer (413 for bodies over the limit, 500, 503 when a dependency is down or the
//! service is at capacity), and the headers every answer carries (`X-Request-Id`,
//! `Cache-Control`; `Retry-After` on 429 and 503, `WWW-Authenticate` on 401).

use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{Object, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};
use utoipa::Modify;

use crate::openapi::operations_mut;
use crate::problem::CONTENT_TYPE as PROBLEM;

pub struct ResponsesAsServed;

impl Modify for ResponsesAsServed {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let cl2c = path.starts_with(crate::surfaces::cl2c::PREFIX);
            for operation in operations_mut(item) {
                as_served(operation, cl2c);
            }
        }
    }
}

fn as_served(operation: &mut Operation, cl2c: bool) {
    let takes_body = operation.request_body.is_some();
    let responses = &mut operation.responses.responses;
    let mut always = vec![
        ("500", "An unexpected failure (never with details)."),
        (
            "503",
            "A dependency (the database, the password hasher) is unavailable or at capacity: retry after `Retry-After`.",
        ),
    ];
    if takes_body {
        always.push(("413", "The body is larger than the limit (64 KiB by default)."));
    }
    for (status, description) in always {
        let response = responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(Response::new(description)));
        if let RefOr::T(response) = response {
            if response.description.is_empty() {
                response.description = description.to_owned();
            }
        }
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        let status: u16 = status.parse().unwrap_or(0);
        if status >= 400 {
            // CL2C keeps the problem shape for a bad request only (see `cl2c::keeps_problem_shape`).
            let (content_type, schema) = if cl2c && status != 400 {
                ("application/json", "DefaultError")
            } else {
                (PROBLEM, "Problem")
            };
            response.content.clear();
            response.content.insert(
                content_type.to_owned(),
                RefOr::T(Content::new(Some(Ref::from_schema_name(schema)))),
            );
        }
        let mut headers = vec![
            (
                "X-Request-Id",
                "The request's id, as the log and problem documents (`instance`) carry it.",
            ),
            (
                "Cache-Control",
                "`no-store`: answers carry personal data or secrets.",
            ),
        ];
        if status == 429 || status == 503 {
            headers.push(("Retry-After", "Seconds to wait before trying again."));
        }
        if status == 401 {
            headers.push(("WWW-Authenticate", "`Bearer`, with `error=\"insufficient_user_authentication\"` when a recent sign-in is needed."));
        }
        for (name, description) in headers {
            let mut header = Header::new(Object::with_type(Type::String));
            header.description = Some(description.to_owned());
            response
                .headers
                .entry(name.to_owned())
                .or_insert(RefOr::T(header));
        }
    }
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use crate::openapi::ApiDoc;

    #[test]
    fn failures_are_declared_as_sent_with_their_headers() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                operations += 1;
                let responses = operation["responses"].as_object().unwrap();
                for must in ["500", "503"] {
                    assert!(responses.contains_key(must), "{method} {path} lacks {must}");
                }
                if operation.get("requestBody").is_some() {
                    assert!(responses.contains_key("413"), "{method} {path} lacks 413");
                }
                for (status, response) in responses {
                    // OpenAPI requires one, and generated clients refuse a document without.
                    assert!(
                        response["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status} has no description"
                    );
                    let headers = response["headers"].as_object().unwrap();
                    assert!(headers.contains_key("X-Request-Id"), "{method} {path} {status}");
                    if status.starts_with('4') || status.starts_with('5') {
                        let types: Vec<&String> = response["content"].as_object().unwrap().keys().collect();
                        let mut types = types;
                        types.sort();
                        let expected: &[&str] = match (path.starts_with("/v1/cl2c"), status.as_str()) {
                            (true, "400") => &["application/problem+json"],
                            (true, _) => &["application/json"],
                            (false, _) => &["application/problem+json"],
                        };
                        assert_eq!(types, expected, "{method} {path} {status}");
                    }
                    if status == "429" || status == "503" {
                        assert!(headers.contains_key("Retry-After"), "{method} {path} {status}");
                    }
                }
            }
        }
        assert!(operations > 40, "{operations}");
        // The per-client limited routes (see `customer_area::routes`) and the send-limited ones.
        for path in [
            "/customers/login",
            "/customers/login/verify-otp",
            "/customers/signup",
            "/customers/activate",
            "/customers/newemail_confirm",
            "/customers/password_reset",
            "/customers/do_reset",
        ] {
            assert!(
                doc["paths"][path]["post"]["responses"].get("429").is_some(),
                "{path} lacks 429"
            );
        }
        assert!(doc["paths"]["/customers/self"]["patch"]["responses"]
            .get("429")
            .is_some());
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["bearerFormat"], "JWT");
        assert!(
            schemes["admin"].get("bearerFormat").is_none(),
            "the admin token is no JWT"
        );
    }
}
