use std::io::IsTerminal;

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// Where logs go: the server logs on stdout; a command prints its answer there, so its logs
/// go to stderr (and only warnings unless `RUST_LOG` says otherwise).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Logs {
    Server,
    Command,
}

/// Structured logs; `RUST_LOG` filters (default `info`). Each request is one line when its span
/// closes: method, route, status, latency and request id (never headers or bodies).
pub fn init(format: &str, logs: Logs) {
    let default = if logs == Logs::Server { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_span_events(FmtSpan::CLOSE);
    match (logs, format == "json") {
        (Logs::Server, true) => builder.with_ansi(std::io::stdout().is_terminal()).json().init(),
        (Logs::Server, false) => builder.with_ansi(std::io::stdout().is_terminal()).init(),
        (Logs::Command, true) => builder.with_writer(std::io::stderr).json().init(),
        (Logs::Command, false) => builder
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init(),
    }
}
