//! Email delivery: SMTP (lettre, async, pooled) when `CLIENTELE_SMTP_URL` is set; otherwise
//! the log, for development.

mod headers;
mod log_mailer;
mod smtp;

pub use log_mailer::LogMailer;
pub use smtp::SmtpMailer;
