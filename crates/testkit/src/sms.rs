//! A real HTTP SMS gateway for tests (wiremock): it answers the JSON webhook Clientele posts
//! (`{"to": "+…", "text": "…"}`) and keeps every text.

use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub struct SmsSink {
    server: MockServer,
    failures: u64,
}

impl SmsSink {
    /// A gateway that accepts every text with 200.
    pub async fn start() -> SmsSink {
        Self::failing_first(0).await
    }

    /// A gateway that is down for its first `failures` texts (503), then accepts every one.
    pub async fn failing_first(failures: u64) -> SmsSink {
        let server = MockServer::start().await;
        if failures > 0 {
            Mock::given(method("POST"))
                .and(path("/sms"))
                .respond_with(ResponseTemplate::new(503))
                .up_to_n_times(failures)
                .with_priority(1)
                .mount(&server)
                .await;
        }
        Mock::given(method("POST"))
            .and(path("/sms"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        SmsSink { server, failures }
    }

    /// What `CLIENTELE_SMS_URL` is set to.
    pub fn url(&self) -> String {
        format!("{}/sms", self.server.uri())
    }

    /// The texts accepted for `number` (E.164), oldest first: tries the gateway refused while
    /// down are not counted.
    pub async fn texts_to(&self, number: &str) -> Vec<String> {
        let received = self.server.received_requests().await.unwrap_or_default();
        let refused = (self.failures as usize).min(received.len());
        received[refused..]
            .iter()
            .filter_map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .filter(|body| body["to"] == number)
            .filter_map(|body| body["text"].as_str().map(str::to_owned))
            .collect()
    }

    /// The code of the `n`th text to `number` (counting from 1), once it has arrived.
    pub async fn nth_code(&self, number: &str, n: usize, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let texts = self.texts_to(number).await;
            if let Some(text) = texts.get(n - 1) {
                return text
                    .lines()
                    .find_map(|line| line.strip_prefix("Code: "))
                    .unwrap_or_else(|| panic!("no Code line in {text:?}"))
                    .trim()
                    .to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "text {n} to {number} never came: {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
