//! Clientele: a self-hosted customer account service. Configuration ([`Settings`]), the wiring of
//! the adapters to the domain's use cases, and [`Application`], the service built and bound,
//! ready to run. The `clientele` binary (main.rs) is a thin command line over this library:
//!
//! ```no_run
//! # async fn serve() -> anyhow::Result<()> {
//! let settings = clientele::Settings::load(None).map_err(anyhow::Error::msg)?.settings;
//! let application = clientele::Application::build(settings).await?;
//! println!("listening on port {}", application.port());
//! application.run_until_stopped().await
//! # }
//! ```

pub mod admin_commands;
mod application;
pub mod cli;
pub mod config;
mod delivery_worker;
pub mod import_command;
mod instance;
mod malformed_requests;
mod master_key;
mod metrics_exporter;
mod private_file;
pub mod telemetry;
mod webhook_worker;
mod wiring;

pub use application::{migrate, Application, Overrides, StopHandle};
pub use clientele_domain::ports::Clock;
pub use config::{Loaded, Parsed, Settings};
