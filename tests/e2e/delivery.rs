//! Mail is never lost: not while the SMTP server is down, not when the process is killed with
//! messages pending. And no secret ever reaches the log.

use std::time::Duration;

use clientele_e2e::{post, Backend, Server, Storage};
use clientele_testkit::{stalling_smtp_server, DownSmtp, SmtpSink};
use serde_json::json;

crate::on_both_backends_by_hand!(stopping_with_mail_under_way_is_clean);

const FAST_RETRY: (&str, &str) = ("CLIENTELE_DELIVERY_RETRY_SECS", "1");

fn reset_request(email: &str) -> serde_json::Value {
    json!({"email": email, "reset_uri": "/customers/do_reset"})
}

async fn smtp_down_for_a_while(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let down = DownSmtp::start();
    let url = down.url();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", &url), FAST_RETRY]);
    let (email, _, _) = server.signed_in_customer().await;
    let (status, body) = post(&server, "/customers/password_reset", reset_request(&email)).await;
    assert_eq!(
        (status, body),
        (200, json!({"result": "email_sent"})),
        "the request succeeds with SMTP down"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let smtp = down.come_up();
    let mail = smtp.wait_for(&email, "Reset your password", Duration::from_secs(30));
    assert!(mail.line("Code").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_mail_arrives_after_the_smtp_server_comes_up() {
    smtp_down_for_a_while(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_mail_arrives_after_the_smtp_server_comes_up() {
    smtp_down_for_a_while(Backend::Postgres).await;
}

async fn killed_with_messages_pending(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let down = DownSmtp::start();
    let url = down.url();
    // Tried once, then not again for 4 s: killed in between, the message is not claimed (a
    // crashed claimant's claim holds until its lease lapses, 90 s).
    let env = [
        ("CLIENTELE_SMTP_URL", url.as_str()),
        ("CLIENTELE_DELIVERY_RETRY_SECS", "4"),
    ];
    let server = Server::start(&storage, &env);
    let (email, _, _) = server.signed_in_customer().await;
    assert_eq!(
        post(&server, "/customers/password_reset", reset_request(&email))
            .await
            .0,
        200
    );
    server.wait_until_tried(&email).await;
    drop(server); // SIGKILL: no chance to send anything
    let smtp = down.come_up();
    let _restarted = Server::start(&storage, &env);
    let mail = smtp.wait_for(&email, "Reset your password", Duration::from_secs(30));
    assert!(mail.line("Code").is_some(), "delivered by the next start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_pending_mail_survives_a_kill() {
    killed_with_messages_pending(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pending_mail_survives_a_kill() {
    killed_with_messages_pending(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_secrets_are_refused() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let smtp = SmtpSink::start();
    let url = smtp.url();
    // In-process: its clock moves past the code's lifetime.
    let server = Server::start_in_process(
        &storage,
        &[("CLIENTELE_SMTP_URL", &url), ("CLIENTELE_RESET_TTL_SECS", "60")],
    );
    let (email, _, _) = server.signed_in_customer().await;
    post(&server, "/customers/password_reset", reset_request(&email)).await;
    let code = smtp
        .wait_for(&email, "Reset your password", Duration::from_secs(15))
        .line("Code")
        .unwrap();
    server.clock().advance(Duration::from_secs(61));
    let (status, problem) = post(
        &server,
        "/customers/do_reset",
        json!({"email": email, "code": code}),
    )
    .await;
    // A reset is named by its address: expired answers like wrong, so that the answer does not
    // tell which addresses have accounts (and so an open flow).
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["type"], "urn:clientele:problem:invalid-secret");
    assert!(
        problem["detail"].as_str().unwrap().contains("reset code"),
        "{problem}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_ever_reaches_the_log() {
    let storage = Storage::new(Backend::Sqlite).unwrap();
    let smtp = SmtpSink::start();
    let url = smtp.url();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", &url)]);
    let mut secrets: Vec<String> = Vec::new();

    let email = format!("log-{}@example.com", uuid::Uuid::new_v4().simple());
    post(&server, "/customers/signup", json!({"email": email})).await;
    let mail = smtp.wait_for(&email, "Activate your account", Duration::from_secs(15));
    let secret = mail.line("Secret").unwrap();
    let password = "Sentinel-Activation-Pass-91";
    let body = json!({"identifier": mail.line("Identifier").unwrap(), "secret": secret, "password": password,
        "password_check": password});
    assert_eq!(post(&server, "/customers/activate", body).await.0, 200);
    secrets.extend([secret, password.to_owned()]);

    let token = server.login(&email, password).await;
    let new_email = format!("log-new-{}@example.com", uuid::Uuid::new_v4().simple());
    let patch = server
        .http
        .patch(server.url("/customers/self"))
        .bearer_auth(&token);
    patch.json(&json!({"email": new_email})).send().await.unwrap();
    let key = smtp
        .wait_for(&new_email, "Confirm", Duration::from_secs(15))
        .line("Key")
        .unwrap();
    secrets.extend([key, token]);

    post(&server, "/customers/password_reset", reset_request(&email)).await;
    let code = smtp
        .wait_for(&email, "Reset your password", Duration::from_secs(15))
        .line("Code")
        .unwrap();
    let (_, reset) = post(
        &server,
        "/customers/do_reset",
        json!({"email": email, "code": code}),
    )
    .await;
    secrets.extend([code, reset["token"].as_str().unwrap().to_owned()]);

    let log = server.log_once_it_holds("/customers/do_reset");
    assert!(log.contains("/customers/do_reset"), "requests are logged");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret reached the log: {secret}"
        );
    }
}

/// An SMTP server that accepts and then stalls gets its sends abandoned at the deadline, so
/// the worker goes on: the outbox records the timeout and the message is tried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_smtp_server_does_not_stop_delivery() {
    let Some(storage) = Storage::new(Backend::Sqlite) else {
        return;
    };
    let url = stalling_smtp_server();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_SMTP_URL", &url),
            ("CLIENTELE_SMTP_TIMEOUT_SECS", "1"),
            FAST_RETRY,
        ],
    );
    let (email, _, _) = server.signed_in_customer().await;
    post(&server, "/customers/password_reset", reset_request(&email)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let listing: serde_json::Value = server
            .http
            .get(server.url("/admin/v1/outbox?status=pending"))
            .bearer_auth(clientele_e2e::ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tries = listing["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["recipient"] == email.as_str())
            .map(|m| (m["attempts"].as_i64().unwrap_or(0), m["lastError"].clone()));
        if let Some((attempts, error)) = tries {
            if attempts >= 2 {
                assert!(
                    error.as_str().unwrap_or_default().contains("did not finish"),
                    "{error}"
                );
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker is stuck on a stalled SMTP server: {listing}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// SIGTERM with mail delivered and with a send hanging: the process stops cleanly (exit 0,
/// nothing panics), and the hanging message stays in the outbox for the next start.
async fn stopping_with_mail_under_way_is_clean(backend: Backend) {
    let Some(storage) = Storage::new(backend) else {
        return;
    };
    let smtp = SmtpSink::start();
    let url = smtp.url();
    let server = Server::start(&storage, &[("CLIENTELE_SMTP_URL", url.as_str())]);
    let (email, _, _) = server.signed_in_customer().await;
    assert_eq!(
        post(&server, "/customers/password_reset", reset_request(&email))
            .await
            .0,
        200
    );
    smtp.wait_for(&email, "Reset your password", Duration::from_secs(15));
    let log = server.log_handle();
    let status = server.terminate();
    std::thread::sleep(Duration::from_millis(300)); // the last lines, read from the pipe
    let log = log.lock().unwrap().clone();
    eprintln!("{}", log.lines().rev().take(6).collect::<Vec<_>>().join("\n"));
    assert!(status.success(), "{status:?}\n{log}");
    assert!(!log.contains("panicked"), "{log}");

    // An SMTP server that accepts and never answers: the worker is mid-send at SIGTERM.
    let (stalled_url, accepted) = clientele_testkit::silent_smtp_server();
    let server = Server::start(
        &storage,
        &[
            ("CLIENTELE_SMTP_URL", stalled_url.as_str()),
            ("CLIENTELE_SMTP_TIMEOUT_SECS", "2"),
        ],
    );
    assert_eq!(
        post(&server, "/customers/password_reset", reset_request(&email))
            .await
            .0,
        200
    );
    accepted
        .recv_timeout(Duration::from_secs(15))
        .expect("a send under way");
    let log = server.log_handle();
    let status = server.terminate();
    std::thread::sleep(Duration::from_millis(300)); // the last lines, read from the pipe
    let log = log.lock().unwrap().clone();
    eprintln!("{}", log.lines().rev().take(6).collect::<Vec<_>>().join("\n"));
    assert!(status.success(), "{status:?}\n{log}");
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("outbox delivery stopped"), "{log}");
    // The send under way ran into its timeout and was recorded as a failure: tried once.
    let restarted = Server::start(&storage, &[("CLIENTELE_SMTP_URL", stalled_url.as_str())]);
    let (_, outbox) = restarted
        .admin(reqwest::Method::GET, "/admin/v1/outbox?status=pending", None)
        .await;
    let tried: Vec<i64> = outbox["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["recipient"] == email.as_str())
        .map(|m| m["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(tried, [1], "the batch finished before the stop: {outbox}");
}
