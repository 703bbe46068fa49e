//! The transport against a real HTTP server: what a receiver gets verifies with the Standard
//! Webhooks reference library, redirects are not followed, slow endpoints time out, and
//! addresses the policy does not admit are never connected to.

use std::str::FromStr;
use std::time::Duration;

use clientele_domain::ports::{PostError, WebhookRequest, WebhookTransport};
use clientele_domain::webhooks::{UrlPolicy, UrlRefusal};
use clientele_webhooks::{GuardedResolver, HttpWebhooks};
use reqwest::dns::{Name, Resolve};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn loopback() -> UrlPolicy {
    UrlPolicy {
        allow_loopback: true,
        allow_private: false,
    }
}

fn request(url: String, secrets: &[&str]) -> WebhookRequest {
    WebhookRequest {
        url,
        id: "evt_2KWPBgLlAfxdpx2AI54pPJ85f4W".into(),
        timestamp: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
        body: r#"{"type":"customer.created","timestamp":"2026-12-07T12:00:00Z","data":{"customerId":1}}"#
            .into(),
        secrets: secrets.iter().map(|s| s.to_string()).collect(),
    }
}

#[tokio::test]
async fn every_signature_verifies_with_the_reference_library_and_the_headers_are_standard() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let transport = HttpWebhooks::new(loopback(), Duration::from_secs(5)).unwrap();
    let sent = request(format!("{}/hook", server.uri()), &[SECRET, OLD_SECRET]);
    assert_eq!(transport.post(&sent).await.unwrap(), 204);
    let received = server.received_requests().await.unwrap();
    let got = &received[0];
    for secret in [SECRET, OLD_SECRET] {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&got.body, &got.headers)
            .unwrap_or_else(|e| panic!("{secret} does not verify: {e}"));
    }
    let other = "whsec_".to_owned() + &"A".repeat(32);
    assert!(
        standardwebhooks::Webhook::new(&other)
            .unwrap()
            .verify(&got.body, &got.headers)
            .is_err(),
        "a signature that any secret verifies is no signature"
    );
    let header = |name: &str| got.headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("webhook-id"), sent.id);
    assert_eq!(header("webhook-timestamp"), sent.timestamp.to_string());
    assert_eq!(header("webhook-signature").split(' ').count(), 2);
    assert_eq!(header("content-type"), "application/json");
    assert!(header("user-agent").starts_with("Clientele-Webhooks/"));
    assert_eq!(got.body, sent.body.as_bytes());
}

#[tokio::test]
async fn a_redirect_is_an_answer_not_a_way_elsewhere() {
    let server = MockServer::start().await;
    Mock::given(path("/hook"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/elsewhere", server.uri())),
        )
        .mount(&server)
        .await;
    let transport = HttpWebhooks::new(loopback(), Duration::from_secs(5)).unwrap();
    let answer = transport
        .post(&request(format!("{}/hook", server.uri()), &[SECRET]))
        .await;
    assert_eq!(answer.unwrap(), 307);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "the redirect was followed");
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_in_time_is_a_failure() {
    let server = MockServer::start().await;
    Mock::given(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let transport = HttpWebhooks::new(loopback(), Duration::from_millis(500)).unwrap();
    let started = std::time::Instant::now();
    let answer = transport
        .post(&request(format!("{}/hook", server.uri()), &[SECRET]))
        .await;
    assert!(
        matches!(answer, Err(PostError::Failed(ref e)) if e.contains("timeout")),
        "{answer:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn addresses_the_policy_does_not_admit_are_never_connected_to() {
    let server = MockServer::start().await;
    Mock::given(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let strict = UrlPolicy::default();
    let transport = HttpWebhooks::new(strict, Duration::from_secs(5)).unwrap();
    let port = server.address().port();
    for url in [
        format!("https://127.0.0.1:{port}/hook"),
        format!("https://localhost:{port}/hook"),
        format!("http://127.0.0.1:{port}/hook"),
        "https://10.1.2.3/hook".to_owned(),
        "https://169.254.169.254/latest/meta-data".to_owned(),
        "https://[::ffff:192.168.0.1]/hook".to_owned(),
        "https://[fd00::1]/hook".to_owned(),
    ] {
        let answer = transport.post(&request(url.clone(), &[SECRET])).await;
        assert!(matches!(answer, Err(PostError::Refused(_))), "{url}: {answer:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // A name is checked on what it resolves to, as the client connects.
    let resolver = GuardedResolver::new(strict);
    let resolved = resolver.resolve(Name::from_str("localhost").unwrap()).await;
    let error = resolved
        .err()
        .expect("localhost resolved under a policy that refuses loopback");
    assert!(error.downcast_ref::<UrlRefusal>().is_some(), "{error}");
    assert!(matches!(
        resolver.admitted("localhost").await,
        Err(UrlRefusal::PrivateAddress(_))
    ));
    assert!(GuardedResolver::new(loopback())
        .admitted("localhost")
        .await
        .is_ok());
    assert!(matches!(
        resolver.admitted("no-such-host.invalid").await,
        Err(UrlRefusal::Unresolvable(_))
    ));
}
