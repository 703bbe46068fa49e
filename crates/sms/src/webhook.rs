use async_trait::async_trait;
use clientele_domain::ports::{DeliveryError, Text, TextSender};

use crate::gateway::{client, outcome, unanswered};

/// Posts `{"to": "+…", "text": "…"}` to a URL of the operator's (their own gateway, a queue);
/// any 2xx answer means sent.
pub struct WebhookSms {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl std::fmt::Debug for WebhookSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry credentials of the operator's gateway.
        f.debug_struct("WebhookSms")
            .field("host", &self.url.host_str())
            .finish()
    }
}

impl WebhookSms {
    pub fn new(url: &str) -> Result<Self, String> {
        let url = reqwest::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or("CLIENTELE_SMS_URL must be an http:// or https:// URL")?;
        Ok(WebhookSms {
            client: client()?,
            url,
        })
    }
}

#[async_trait]
impl TextSender for WebhookSms {
    async fn send(&self, text: &Text) -> Result<(), DeliveryError> {
        let body = serde_json::json!({"to": text.to, "text": text.body});
        match self.client.post(self.url.clone()).json(&body).send().await {
            Ok(response) => outcome("the SMS webhook", response.status()),
            Err(error) => Err(unanswered("the SMS webhook", &error)),
        }
    }
}
