//! Text-message delivery: a JSON webhook (`CLIENTELE_SMS_URL`), Twilio's Messages API
//! (`CLIENTELE_TWILIO_*`), or the log for development when neither is set.

mod gateway;
mod log_sms;
mod twilio;
mod webhook;

pub use log_sms::LogSms;
pub use twilio::{TwilioSms, TWILIO_API};
pub use webhook::WebhookSms;

/// The longest one send may take, connect through the answer: past it the send is a temporary
/// failure, tried again later.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
