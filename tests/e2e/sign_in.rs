//! Sign-in (`POST /customers/login`) and the access token on every request.

use base64::Engine;
use clientele_e2e::{status_and_json, Backend, Server, Storage, JWT_SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

crate::on_both_backends!(
    email_matching_ignores_case_and_every_failure_looks_the_same,
    ten_failures_lock_the_account_and_the_right_password_waits,
    bad_login_bodies_are_400s,
    forged_expired_and_unknown_tokens_are_401s,
);

async fn login(server: &Server, body: Value) -> (u16, Value) {
    status_and_json(
        server
            .http
            .post(server.url("/customers/login"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn without_instance(mut problem: Value) -> Value {
    problem.as_object_mut().unwrap().remove("instance");
    problem
}

async fn email_matching_ignores_case_and_every_failure_looks_the_same(server: Server) {
    let (email, password, _) = server.signed_in_customer().await;
    let (status, body) = login(
        &server,
        json!({"email": email.to_uppercase(), "password": password}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["token"].as_str().unwrap().split('.').count() == 3);

    let wrong_password = login(&server, json!({"email": email, "password": "not-the-password"})).await;
    let unknown_email = login(
        &server,
        json!({"email": "nobody@example.com", "password": password}),
    )
    .await;
    let not_an_email = login(&server, json!({"email": "nobody", "password": password})).await;
    assert_eq!(wrong_password.0, 401);
    assert_eq!(
        without_instance(wrong_password.1.clone()),
        without_instance(unknown_email.1)
    );
    assert_eq!(
        without_instance(wrong_password.1),
        without_instance(not_an_email.1)
    );
}

async fn ten_failures_lock_the_account_and_the_right_password_waits(server: Server) {
    let (email, password, _) = server.signed_in_customer().await;
    let (other_email, other_password, _) = server.signed_in_customer().await;
    for _ in 0..9 {
        assert_eq!(
            login(&server, json!({"email": email, "password": "wrong-password"}))
                .await
                .0,
            401
        );
    }
    // Nine failures are forgiven by a success, which resets the count.
    assert_eq!(
        login(&server, json!({"email": email, "password": password}))
            .await
            .0,
        200
    );
    for _ in 0..10 {
        assert_eq!(
            login(&server, json!({"email": email, "password": "wrong-password"}))
                .await
                .0,
            401
        );
    }
    let (status, problem) = login(&server, json!({"email": email, "password": password})).await;
    assert_eq!(status, 401, "locked: even the right password is refused");
    assert_eq!(problem["type"], "urn:clientele:problem:unauthorized");
    assert_eq!(
        login(&server, json!({"email": other_email, "password": other_password}))
            .await
            .0,
        200
    );
}

async fn bad_login_bodies_are_400s(server: Server) {
    for (body, field) in [
        (json!({"password": "x"}), "email"),
        (json!({"email": "a@b.c"}), "password"),
        (json!({"email": 5, "password": "x"}), "email"),
        (json!({"email": "a@b.c", "password": null}), "password"),
        (
            json!({"email": "a@b.c", "password": "x", "remember": true}),
            "remember",
        ),
    ] {
        let (status, problem) = login(&server, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert!(problem["errors"].get(field).is_some(), "{body}: {problem}");
    }
    let response = server
        .http
        .post(server.url("/customers/login"))
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
}

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

async fn profile_status(server: &Server, authorization: Option<&str>) -> (u16, Value, Option<String>) {
    let mut request = server.http.get(server.url("/api/v2/my/profile"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = status_and_json(response).await;
    (status, body, challenge)
}

async fn forged_expired_and_unknown_tokens_are_401s(server: Server) {
    let (_, _, token) = server.signed_in_customer().await;
    let claims = claims_of(&token);
    // Re-signing the real claims with the real key works: the forgeries below differ only in
    // what they forge.
    assert_eq!(
        profile_status(&server, Some(&format!("Bearer {}", sign(&claims, JWT_SECRET))))
            .await
            .0,
        200
    );
    assert_eq!(
        profile_status(&server, Some(&format!("bearer {token}"))).await.0,
        200
    );

    let mut expired = claims.clone();
    expired["exp"] = json!(claims["iat"].as_i64().unwrap() - 10);
    let mut foreign_issuer = claims.clone();
    foreign_issuer["iss"] = json!("someone-else");
    let mut unknown_session = claims.clone();
    unknown_session["sid"] = json!(uuid::Uuid::new_v4().to_string());
    let mut other_account = claims.clone();
    other_account["sub"] = json!(uuid::Uuid::new_v4().to_string());
    let mut tampered = token.clone();
    tampered.replace_range(tampered.len() - 3.., "AAA");
    let unsigned = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims));
    let forged: Vec<String> = vec![
        sign(&expired, JWT_SECRET),
        sign(&foreign_issuer, JWT_SECRET),
        sign(&unknown_session, JWT_SECRET),
        sign(&other_account, JWT_SECRET),
        sign(&claims, "another-secret-another-secret-another"),
        tampered,
        unsigned,
        "garbage".into(),
    ];
    for token in forged {
        let (status, problem, challenge) = profile_status(&server, Some(&format!("Bearer {token}"))).await;
        assert_eq!(status, 401, "{token}: {problem}");
        assert_eq!(challenge.as_deref(), Some("Bearer"));
    }
    for header in [
        None,
        Some("Bearer"),
        Some("Bearer "),
        Some(&*format!("Basic {token}")),
        Some(&*token),
    ] {
        assert_eq!(profile_status(&server, header).await.0, 401, "{header:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_after_the_configured_lifetime() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let server = Server::start_in_process(&storage, &[("CLIENTELE_SESSION_TTL_SECS", "60")]);
    let (_, _, token) = server.signed_in_customer().await;
    assert_eq!(
        profile_status(&server, Some(&format!("Bearer {token}"))).await.0,
        200
    );
    server.clock().advance(std::time::Duration::from_secs(55));
    assert_eq!(
        profile_status(&server, Some(&format!("Bearer {token}"))).await.0,
        200,
        "before the end"
    );
    server.clock().advance(std::time::Duration::from_secs(6));
    assert_eq!(
        profile_status(&server, Some(&format!("Bearer {token}"))).await.0,
        401
    );
}
