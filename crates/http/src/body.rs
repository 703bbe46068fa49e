//! The request body as a JSON object, whatever `Content-Type` the client sent: the seeds' curl
//! examples send JSON with `--data-raw` and no header, which curl labels as a form.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::problem::Problem;
use crate::state::AppState;

const DEFAULT_LIMIT: usize = 64 * 1024;

pub struct JsonObject(pub Map<String, Value>);

fn too_large(limit: usize) -> Problem {
    Problem::from_status(StatusCode::PAYLOAD_TOO_LARGE)
        .detail(format!("The request body must not exceed {limit} bytes."))
}

/// A JSON object body that may also be left out (empty, or `null`), for requests whose fields
/// are all optional: that is an empty object.
pub struct ObjectOrEmpty(pub Map<String, Value>);

impl FromRequest for ObjectOrEmpty {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_object(req, payload, true, ObjectOrEmpty)
    }
}

impl FromRequest for JsonObject {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        read_object(req, payload, false, JsonObject)
    }
}

/// Reads the body within the limit and parses it as a JSON object (`empty_is_object`: an
/// empty body, or `null`, is `{}`).
fn read_object<T: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    empty_is_object: bool,
    wrap: fn(Map<String, Value>) -> T,
) -> LocalBoxFuture<'static, Result<T, Problem>> {
    {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.body_limit)
            .unwrap_or(DEFAULT_LIMIT);
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large(limit));
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| Problem::malformed("The request body could not be read."))?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large(limit));
                }
                body.extend_from_slice(&chunk);
            }
            let null = || serde_json::from_slice::<Value>(&body).is_ok_and(|v| v.is_null());
            if empty_is_object && (body.iter().all(u8::is_ascii_whitespace) || null()) {
                return Ok(wrap(Map::new()));
            }
            parse_object(&body).map(|object| wrap(object.0))
        })
    }
}

fn parse_object(body: &[u8]) -> Result<JsonObject, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::malformed(
            "The request body must be a JSON object; it is empty.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(JsonObject(map)),
        Ok(_) => Err(Problem::malformed("The request body must be a JSON object.")),
        Err(e) => Err(Problem::malformed(format!(
            "The request body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_only() {
        assert!(parse_object(br#"{"a": 1}"#).is_ok());
        for bad in [&b""[..], b"  ", b"[]", b"\"x\"", b"{", b"nickname=x", b"{\"a\":}"] {
            assert!(parse_object(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
