//! What strong sign-in keeps pending expires after 10 minutes: an authenticator app's
//! enrolment and a sign-in challenge. In-process, so that the server's clock moves instead of
//! the test waiting.

use std::time::Duration;

use clientele_e2e::{Backend, Server, Storage};
use reqwest::Method;
use serde_json::json;

use crate::strong_sign_in::{away_from_a_step_boundary, code, enrol};

crate::on_both_backends_by_hand!(enrolments_and_challenges_expire_after_ten_minutes);

const PAST_TEN_MINUTES: Duration = Duration::from_secs(10 * 60 + 1);

async fn enrolments_and_challenges_expire_after_ten_minutes(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start_in_process(&storage, &[("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0")]);
    away_from_a_step_boundary(12).await;
    let (email, password, token) = server.signed_in_customer().await;
    let (status, pending) = server
        .request(Method::POST, "/customers/self/factors/totp", Some(&token), None)
        .await;
    assert_eq!(status, 201, "{pending}");
    let (secret, _) = enrol(&server, &token, "Phone").await;

    // The first enrolment was replaced by the second (same id, confirmed): a new one, left
    // waiting past its ten minutes, takes even the right code no more.
    let (_, waiting) = server
        .request(Method::POST, "/customers/self/factors/totp", Some(&token), None)
        .await;
    let (status, challenge) = server
        .request(
            Method::POST,
            "/customers/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await;
    assert_eq!(status, 202, "{challenge}");
    server.clock().advance(PAST_TEN_MINUTES);
    let confirm = format!(
        "/customers/self/factors/totp/{}/confirm",
        waiting["id"].as_str().unwrap()
    );
    let right = json!({"code": code(waiting["secret"].as_str().unwrap(), 20)});
    let (status, expired) = server
        .request(Method::POST, &confirm, Some(&token), Some(right))
        .await;
    assert_eq!(status, 410, "the enrolment expired: {expired}");
    let verify = json!({"challenge": challenge["challenge"], "totp": code(&secret, 20)});
    let (status, expired) = server
        .request(Method::POST, "/customers/login/verify", None, Some(verify))
        .await;
    assert_eq!(status, 410, "the challenge expired: {expired}");
}
