//! Sensitive changes need a recent sign-in (`CLIENTELE_REAUTH_MAX_AGE_SECS`): an older session
//! gets 401 `sign-in-again` with an RFC 9470 step-up challenge, and changes nothing; signing in
//! again lets the same change through. Everyday edits are not affected.

use std::time::Duration;

use clientele_e2e::{status_and_json, Backend, Server, Storage};
use clientele_testkit::SmsSink;
use reqwest::Method;
use serde_json::{json, Value};

crate::on_both_backends_by_hand!(sensitive_changes_need_a_recent_sign_in);

const WINDOW_SECS: u64 = 60;

async fn call(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value, String) {
    let mut request = server.http.request(method, server.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = status_and_json(response).await;
    (status, body, challenge)
}

fn assert_sign_in_again((status, problem, challenge): (u16, Value, String), what: &str) {
    assert_eq!(status, 401, "{what}: {problem}");
    assert_eq!(problem["type"], "urn:clientele:problem:sign-in-again", "{what}");
    assert!(
        challenge.contains("insufficient_user_authentication"),
        "{what}: {challenge}"
    );
}

async fn sensitive_changes_need_a_recent_sign_in(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let sms = SmsSink::start().await;
    let window = WINDOW_SECS.to_string();
    // In-process: its clock moves past the window rather than the test waiting it out.
    let server = Server::start_in_process(
        &storage,
        &[
            ("CLIENTELE_SMS_URL", &sms.url()),
            ("CLIENTELE_REAUTH_MAX_AGE_SECS", &window),
            ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0"),
        ],
    );
    crate::tss::in_india(&server).await;
    let (email, password, first_token) = server.signed_in_customer().await;
    // Two-factor on, while the sign-in is fresh.
    let on = json!({"firstname": "Ann", "lastname": "Lee", "gender": "female",
                    "birthdate": "1990-05-15", "telephone": "9876543210", "is_two_fa": true});
    let (status, answer) = server.post_as(&first_token, "/api/user/profile/2fa", &on).await;
    assert_eq!(status, 200, "{answer}");
    let code = sms.nth_code("+919876543210", 1, Duration::from_secs(15)).await;
    let verify = json!({"telephone": "9876543210", "otp": code});
    let (status, answer) = server
        .post_as(&first_token, "/api/user/profile/verify-otp", &verify)
        .await;
    assert_eq!((status, &answer["is_two_fa"]), (200, &json!(1)), "{answer}");
    // A new number: every session was signed out, a new one opened for this device.
    let token = answer["access_token"].as_str().unwrap().to_owned();

    let (status, me, _) = call(&server, Method::GET, "/customers/self", &token, None).await;
    assert_eq!(status, 200, "still signed in after turning two-factor on: {me}");
    server.clock().advance(Duration::from_secs(WINDOW_SECS + 1));
    let new_email = format!("n{}@example.com", uuid::Uuid::new_v4().simple());
    let change_email = json!({"email": new_email});
    let mut off = on.clone();
    off["is_two_fa"] = json!(false);
    let change_password = json!({"old_password": password, "password": "another good passphrase"});
    assert_sign_in_again(
        call(
            &server,
            Method::PATCH,
            "/customers/self",
            &token,
            Some(change_email.clone()),
        )
        .await,
        "email change",
    );
    assert_sign_in_again(
        call(
            &server,
            Method::GET,
            "/api/v2/my/profile/deactivation",
            &token,
            None,
        )
        .await,
        "closing (B2Core)",
    );
    assert_sign_in_again(
        call(&server, Method::DELETE, "/customers/self", &token, None).await,
        "closing (Customer area)",
    );
    assert_sign_in_again(
        call(&server, Method::GET, "/customers/self/export", &token, None).await,
        "the data export",
    );
    assert_sign_in_again(
        call(
            &server,
            Method::POST,
            "/api/user/profile/2fa",
            &token,
            Some(off.clone()),
        )
        .await,
        "two-factor off",
    );
    assert_sign_in_again(
        call(
            &server,
            Method::POST,
            "/api/user/change-password",
            &token,
            Some(change_password.clone()),
        )
        .await,
        "password change",
    );
    // Moving the second factor to another number, on either route: a stale token must not
    // put its own phone in charge.
    let mut moved = on.clone();
    moved["telephone"] = json!("9812345670");
    assert_sign_in_again(
        call(
            &server,
            Method::POST,
            "/api/user/profile/2fa",
            &token,
            Some(moved.clone()),
        )
        .await,
        "two-factor number",
    );
    moved.as_object_mut().unwrap().remove("is_two_fa");
    assert_sign_in_again(
        call(&server, Method::POST, "/api/user/profile", &token, Some(moved)).await,
        "two-factor number (profile)",
    );
    // Nothing changed, and everyday edits still go through on the old session.
    let (status, me, _) = call(&server, Method::GET, "/customers/self", &token, None).await;
    assert_eq!((status, &me["email"]), (200, &json!(email)), "{me}");
    let (status, profile, _) = call(&server, Method::GET, "/api/user/profile", &token, None).await;
    assert_eq!((status, &profile["is_two_fa"]), (200, &json!(1)), "{profile}");
    let (status, edited, _) = call(
        &server,
        Method::PATCH,
        "/customers/self",
        &token,
        Some(json!({"name": "Ann Lee-Smith"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    server.wait_until_outbox_drained().await;
    assert_eq!(
        sms.texts_to("+919876543210").await.len(),
        1,
        "no code for a refused change"
    );
    assert!(
        sms.texts_to("+919812345670").await.is_empty(),
        "no code to the number a refused move names"
    );

    // Signed in again (two-factor: the texted code), the same changes go through.
    let response = server
        .http
        .post(server.url("/customers/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let (status, challenge) = status_and_json(response).await;
    assert_eq!(status, 202, "{challenge}");
    let code = sms.nth_code("+919876543210", 2, Duration::from_secs(15)).await;
    let response = server
        .http
        .post(server.url("/customers/login/verify-otp"))
        .json(&json!({"challenge": challenge["challenge"], "otp": code}))
        .send()
        .await
        .unwrap();
    let (status, signed_in) = status_and_json(response).await;
    assert_eq!(status, 200, "{signed_in}");
    let fresh = signed_in["token"].as_str().unwrap().to_owned();
    let (status, answer, _) = call(&server, Method::POST, "/api/user/profile/2fa", &fresh, Some(off)).await;
    assert_eq!((status, &answer["is_otp_sent"]), (200, &json!(true)), "{answer}");
    let (status, answer, _) = call(
        &server,
        Method::PATCH,
        "/customers/self",
        &fresh,
        Some(change_email),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer, _) = call(
        &server,
        Method::POST,
        "/api/user/change-password",
        &fresh,
        Some(change_password),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}
