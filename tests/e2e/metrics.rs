//! Prometheus metrics at `/metrics`: behind the admin token on the main listener, or on a
//! listener of their own (`CLIENTELE_METRICS_LISTEN`); no label carries personal data.

use std::time::{Duration, Instant};

use clientele_e2e::{Server, Storage, ADMIN_TOKEN};

crate::on_both_backends!(metrics_count_requests_sign_ins_and_the_outbox);

crate::on_both_backends_by_hand!(metrics_on_a_listener_of_their_own);

async fn scrape(server: &Server, token: Option<&str>) -> (u16, String, String) {
    let mut request = server.http.get(server.url("/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

async fn metrics_count_requests_sign_ins_and_the_outbox(server: Server) {
    assert_eq!(scrape(&server, None).await.0, 401, "behind the admin token");
    assert_eq!(scrape(&server, Some("not-the-token-0123456789")).await.0, 401);
    let (email, password, token) = server.signed_in_customer().await;
    // Ten failures lock the account: counted as failures, and the lockout as its event.
    for _ in 0..10 {
        assert_eq!(server.login_status(&email, "a wrong password").await, 401);
    }
    // A mail through the outbox (to the log, without SMTP): a delivery counted by outcome.
    let signup = server
        .http
        .post(server.url("/customers/signup"))
        .json(&serde_json::json!({"email": format!("m{}@example.com", uuid::Uuid::new_v4().simple())}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 202);
    assert_eq!(server.get_json("/customers/self", &token).await.0, 200);
    let customer = server.get_json("/customers/self", &token).await.1;
    let id = customer["id"].to_string();
    // An id in a path: the route template is the label, never the path.
    let path = format!("/admin/v1/customers/{}", id.trim_matches('"'));
    server.admin(reqwest::Method::GET, &path, None).await;

    let deadline = Instant::now() + Duration::from_secs(15);
    let text = loop {
        let (status, content_type, text) = scrape(&server, Some(ADMIN_TOKEN)).await;
        assert_eq!(status, 200, "{text}");
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        let ready = text.contains("clientele_outbox_pending_messages")
            && text.contains("clientele_outbox_deliveries_total");
        if ready || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for expected in [
        "clientele_http_requests_total{method=\"GET\",route=\"/customers/self\",status=\"200\"} 2\n",
        r#"clientele_http_request_duration_seconds_bucket{method="GET",route="/customers/self",le="#,
        r#"route="/admin/v1/customers/{id}""#,
        "clientele_sign_ins_total{outcome=\"succeeded\"} 1\n",
        "clientele_sign_ins_total{outcome=\"failed\"} 10\n",
        "clientele_security_events_total{event=\"sign_in_failed\"} 10\n",
        "clientele_security_events_total{event=\"sign_in_locked\"} 1\n",
        "clientele_outbox_deliveries_total{channel=\"email\",outcome=\"sent\"} 1\n",
        r#"clientele_password_hash_wait_seconds_count"#,
        r#"clientele_outbox_pending_messages{channel="email"}"#,
        r#"clientele_outbox_oldest_pending_age_seconds{channel="sms"}"#,
        "clientele_webhook_pending_deliveries ",
        "clientele_webhook_oldest_pending_age_seconds ",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    for personal in [
        email.as_str(),
        password.as_str(),
        id.trim_matches('"'),
        "127.0.0.1",
    ] {
        assert!(!text.contains(personal), "{personal} in a label:\n{text}");
    }
}

async fn metrics_on_a_listener_of_their_own(backend: clientele_e2e::Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let server = Server::start(&storage, &[("CLIENTELE_METRICS_LISTEN", "127.0.0.1:0")]);
    let log = server.log_once_it_holds("clientele metrics on ");
    let url = log
        .lines()
        .find_map(|l| l.strip_prefix("clientele metrics on "))
        .expect("the metrics listener's address")
        .to_owned();
    assert_eq!(server.get_json("/health/live", "").await.0, 200);
    let response = server.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200, "no token needed there");
    let text = response.text().await.unwrap();
    assert!(text.contains(r#"route="/health/live""#), "{text}");
    assert_eq!(
        scrape(&server, Some(ADMIN_TOKEN)).await.0,
        404,
        "not on the main listener then"
    );
}
