//! Webhook delivery over HTTP: each POST signed as the Standard Webhooks specification says
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), within
//! a timeout, without following redirects, and only to addresses the instance's policy admits,
//! checked on the addresses actually connected to (a name that resolves to a private address
//! at delivery time is refused, whatever it resolved to when the endpoint was created).

mod guarded_resolver;
mod signature;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use clientele_domain::ports::{PostError, WebhookRequest, WebhookTransport};
use clientele_domain::webhooks::{UrlPolicy, UrlRefusal, WebhookUrl};

pub use guarded_resolver::GuardedResolver;
pub use signature::sign;

/// What the receivers see as the sender.
const USER_AGENT: &str = concat!("Clientele-Webhooks/", env!("CARGO_PKG_VERSION"));

pub struct HttpWebhooks {
    client: reqwest::Client,
    resolver: Arc<GuardedResolver>,
    policy: UrlPolicy,
}

impl HttpWebhooks {
    pub fn new(policy: UrlPolicy, timeout: Duration) -> Result<Self, String> {
        let resolver = Arc::new(GuardedResolver::new(policy));
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, past the address check.
            .no_proxy()
            .dns_resolver(resolver.clone())
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(HttpWebhooks {
            client,
            resolver,
            policy,
        })
    }
}

#[async_trait]
impl WebhookTransport for HttpWebhooks {
    async fn check(&self, url: &WebhookUrl) -> Result<(), UrlRefusal> {
        match url.ip() {
            Some(ip) => self.policy.check(ip),
            None => self.resolver.admitted(url.host()).await.map(|_| ()),
        }
    }

    async fn post(&self, request: &WebhookRequest) -> Result<u16, PostError> {
        // The form is checked again (an address in the URL is never resolved, so its check is
        // here), and the name's addresses by the resolver as the client connects.
        let url = self.policy.parse(&request.url)?;
        // The host as the client itself reads it: an address there is never resolved, so it is
        // checked here; a name goes through the guarded resolver as the client connects.
        let parsed = reqwest::Url::parse(url.as_str()).map_err(|_| UrlRefusal::Malformed)?;
        let host = parsed.host_str().ok_or(UrlRefusal::Malformed)?;
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
        {
            self.policy.check(ip)?;
        }
        let signatures = request
            .secrets
            .iter()
            .map(|secret| sign(secret, &request.id, request.timestamp, &request.body))
            .collect::<Result<Vec<_>, _>>()
            .map_err(PostError::Failed)?
            .join(" ");
        let answer = self
            .client
            .post(url.as_str())
            .header("content-type", "application/json")
            .header("webhook-id", &request.id)
            .header("webhook-timestamp", request.timestamp.to_string())
            .header("webhook-signature", signatures)
            .body(request.body.clone())
            .send()
            .await;
        match answer {
            Ok(response) => Ok(response.status().as_u16()),
            Err(error) => Err(match refusal_in(&error) {
                Some(refusal) => PostError::Refused(refusal),
                None if error.is_timeout() => PostError::Failed("no answer within the timeout".into()),
                None if error.is_connect() => PostError::Failed("could not connect".into()),
                None => PostError::Failed("the request failed".into()),
            }),
        }
    }
}

/// The address refusal behind a failed request, if the resolver refused.
fn refusal_in(error: &reqwest::Error) -> Option<UrlRefusal> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<UrlRefusal>() {
            return Some(refusal.clone());
        }
        source = current.source();
    }
    None
}
