use async_trait::async_trait;
use clientele_domain::ports::{DeliveryError, Text, TextSender};

use crate::gateway::{client, outcome, unanswered};

/// Twilio's API root; tests point the adapter at a stand-in instead.
pub const TWILIO_API: &str = "https://api.twilio.com";

/// Sends through Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`,
/// form-encoded `To`, `From`, `Body`, with the account SID and auth token as basic auth.
pub struct TwilioSms {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    account_sid: String,
    auth_token: String,
    from: String,
}

impl std::fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSms")
            .field("endpoint", &self.endpoint.as_str())
            .field("auth_token", &"***")
            .finish()
    }
}

impl TwilioSms {
    pub fn new(base: &str, account_sid: &str, auth_token: &str, from: &str) -> Result<Self, String> {
        let valid_sid = !account_sid.is_empty() && account_sid.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid_sid {
            return Err("CLIENTELE_TWILIO_ACCOUNT_SID must be letters and digits (AC…)".into());
        }
        // Under the base's own path, if it has one (a proxy's prefix).
        let endpoint = reqwest::Url::parse(&format!(
            "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
            base.trim_end_matches('/')
        ))
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or("CLIENTELE_TWILIO_BASE_URL must be an http:// or https:// URL")?;
        Ok(TwilioSms {
            client: client()?,
            endpoint,
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from: from.to_owned(),
        })
    }
}

#[async_trait]
impl TextSender for TwilioSms {
    async fn send(&self, text: &Text) -> Result<(), DeliveryError> {
        let form = [
            ("To", text.to.as_str()),
            ("From", self.from.as_str()),
            ("Body", text.body.as_str()),
        ];
        let request = self
            .client
            .post(self.endpoint.clone())
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form);
        match request.send().await {
            Ok(response) => outcome("Twilio", response.status()),
            Err(error) => Err(unanswered("Twilio", &error)),
        }
    }
}
