//! TSS user profile (seed 003): the profile with its wallet and orders, change-password.

use std::time::Duration;

use clientele_e2e::{post, status_and_json, Server, ADMIN_TOKEN};
use clientele_testkit::SmtpSink;
use serde_json::{json, Value};

mod password;
mod profile;
mod two_factor;

const WAIT: Duration = Duration::from_secs(15);

async fn change_password(server: &Server, token: &str, body: Value) -> (u16, Value) {
    // As the seed's curl does it.
    server.post_as(token, "/api/user/change-password", &body).await
}

async fn admin(server: &Server, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    server.admin(method, path, body).await
}

fn in_days(days: i64) -> String {
    let day = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{day}")
}

/// The default tenant reads national numbers as Indian ones, as the seed's `9876543210`.
pub(crate) async fn in_india(server: &Server) {
    let (status, _) = admin(
        server,
        reqwest::Method::PATCH,
        "/admin/v1/tenants/default",
        Some(json!({"settings": {"phoneRegion": "IN"}})),
    )
    .await;
    assert_eq!(status, 200);
}

async fn post_profile(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, "/api/user/profile", &body).await
}

async fn two_factor(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, "/api/user/profile/2fa", &body).await
}

async fn verify_otp(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.post_as(token, "/api/user/profile/verify-otp", &body).await
}
