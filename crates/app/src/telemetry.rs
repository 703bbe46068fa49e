use std::io::IsTerminal;

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::malformed_requests::MalformedRequests;

/// Where logs go: the server logs on stdout; a command prints its answer there, so its logs
/// go to stderr (and only warnings unless `RUST_LOG` says otherwise).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Logs {
    Server,
    Command,
}

/// Structured logs; `RUST_LOG` filters (default `info`). Each request is one line when its span
/// closes: method, route, status, latency and request id (never headers or bodies). The HTTP
/// parser's lines about malformed requests are counted instead (see `malformed_requests.rs`).
pub fn init(format: &str, logs: Logs) {
    let default = if logs == Logs::Server { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = format == "json";
    let lines = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE);
    let lines = match (logs, json) {
        (Logs::Server, true) => lines.with_ansi(std::io::stdout().is_terminal()).json().boxed(),
        (Logs::Server, false) => lines.with_ansi(std::io::stdout().is_terminal()).boxed(),
        (Logs::Command, true) => lines.with_writer(std::io::stderr).json().boxed(),
        (Logs::Command, false) => lines
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(MalformedRequests)
        .with(lines)
        .init();
}
