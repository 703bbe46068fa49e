//! Tenants and their apps' API keys, from the back office and from the command line: keys
//! made, listed and revoked both ways (keys.rs), and tenants that never meet (isolation.rs).

use clientele_e2e::{status_and_json, Server};
use serde_json::Value;

mod isolation;
mod keys;

pub(crate) async fn admin(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    server.admin(method, path, body).await
}

/// A request with the `tenant` header `tenant` (none when `None`).
pub(crate) async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    tenant: Option<&str>,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = server.http.request(method, server.url(path));
    if let Some(tenant) = tenant {
        request = request.header("tenant", tenant);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    status_and_json(request.send().await.unwrap()).await
}

pub(crate) fn without_instance(mut problem: Value) -> Value {
    problem.as_object_mut().map(|p| p.remove("instance"));
    problem
}
