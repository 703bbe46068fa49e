//! Customer area (seed 001) flows end to end: secrets are read from mail received by a real
//! SMTP server.

use std::time::Duration;

use clientele_e2e::{post, reset_token_claims, status_and_json, Server, ADMIN_TOKEN};
use clientele_testkit::{ReceivedMail, SmtpSink};
use futures_util::future::join_all;
use serde_json::{json, Value};

mod onboarding;
mod self_service;
mod send_limit;

const WAIT: Duration = Duration::from_secs(15);

fn unique_email() -> String {
    format!("c{}@example.com", uuid::Uuid::new_v4().simple())
}

fn activation_mail(smtp: &SmtpSink, email: &str) -> ReceivedMail {
    smtp.wait_for(email, "Activate your account", WAIT)
}

/// The audit trail holds exactly one entry of `kind`, by the customer, under a request id, from
/// the client's address, and none of `secrets`; the log names the event with its tenant, account
/// and request id, and none of `secrets` either.
async fn audited_once(server: &Server, kind: &str, secrets: &[&str]) {
    let response = server
        .http
        .get(server.url(&format!("/admin/v1/audit?kind={kind}")))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    let (status, audit) = status_and_json(response).await;
    assert_eq!(status, 200, "{audit}");
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{kind}: {audit}");
    assert_eq!(entries[0]["actor"], "customer");
    let request_id = entries[0]["requestId"].as_str().unwrap_or_default();
    assert!(!request_id.is_empty(), "{audit}");
    assert_eq!(entries[0]["clientAddress"], "127.0.0.1", "{audit}");
    let account = entries[0]["account"].as_str().unwrap();
    let log = server.log_once_it_holds(&format!("event=\"{kind}\""));
    let line = log
        .lines()
        .find(|line| line.contains("security event") && line.contains(&format!("event=\"{kind}\"")))
        .unwrap_or_else(|| panic!("no security event {kind} in the log:\n{log}"));
    for expected in ["tenant=\"default\"", account, request_id] {
        assert!(line.contains(expected), "{kind}: {expected} missing from {line}");
    }
    for secret in secrets {
        assert!(
            !audit.to_string().contains(secret),
            "{kind}: a secret in the audit trail"
        );
        assert!(!log.contains(secret), "{kind}: a secret in the log");
    }
}

async fn activate(server: &Server, identifier: &str, secret: &str, password: &str) -> (u16, Value) {
    post(
        server,
        "/customers/activate",
        json!({"identifier": identifier, "secret": secret, "password": password, "password_check": password}),
    )
    .await
}

async fn patch_self(server: &Server, token: &str, body: Value) -> (u16, Value) {
    server.patch_as(token, "/customers/self", &body).await
}

async fn get_self(server: &Server, token: &str) -> (u16, Value) {
    server.get_json("/customers/self", token).await
}
