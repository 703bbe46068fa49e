//! Requests the HTTP/1 parser refuses (invalid bytes in a header name or value, a broken
//! request line) are answered `400` by the framework before any request exists, and it logs
//! each one at ERROR. They are the client's fault and scanners send them by the thousand: this
//! layer takes those lines out of the log and counts them, and [`report`] logs the count at
//! WARN, at most once per report interval.

use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

static REFUSED: AtomicU64 = AtomicU64::new(0);

const PARSER: &str = "actix_http::h1::dispatcher";
const PARSE_ERROR: &str = "stream error: request parse error";

/// Drops the parser's ERROR lines about malformed requests, counting them.
pub struct MalformedRequests;

impl<S: Subscriber> Layer<S> for MalformedRequests {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || meta.target() != PARSER {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        if message.0.starts_with(PARSE_ERROR) {
            REFUSED.fetch_add(1, Ordering::Relaxed);
            false
        } else {
            true
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// Logs (at WARN) how many malformed requests were refused since the last report, if any.
pub fn report() {
    let refused = REFUSED.swap(0, Ordering::Relaxed);
    if refused > 0 {
        tracing::warn!(
            refused,
            "malformed or oversized requests (invalid bytes in a header or the request line, headers too large) refused by the HTTP parser"
        );
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn parse_errors_are_counted_not_logged_and_other_errors_pass() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        struct Collect(std::sync::Arc<std::sync::Mutex<Vec<String>>>);
        impl<S: Subscriber> Layer<S> for Collect {
            fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
                let mut message = Message(String::new());
                event.record(&mut message);
                self.0.lock().unwrap().push(message.0);
            }
        }
        let subscriber = tracing_subscriber::registry()
            .with(MalformedRequests)
            .with(Collect(seen.clone()));
        let before = REFUSED.load(Ordering::Relaxed);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(target: "actix_http::h1::dispatcher", "stream error: request parse error: invalid Header provided");
            tracing::error!(target: "actix_http::h1::dispatcher", "Response payload stream error: x");
            tracing::error!("stream error: request parse error: not the parser's");
        });
        assert_eq!(REFUSED.load(Ordering::Relaxed) - before, 1);
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "Response payload stream error: x",
                "stream error: request parse error: not the parser's"
            ]
        );
    }
}
