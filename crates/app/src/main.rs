//! The `clientele` binary: `clientele` (or `clientele serve`) serves the API;
//! `clientele migrate` applies database migrations and exits.

mod cli;
mod config;
mod delivery_worker;
mod instance;
mod master_key;
mod private_file;
mod server;
mod telemetry;
mod wiring;

use clap::Parser;

use crate::cli::{Cli, Command};

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config::Loaded { settings, warnings } = match config::Settings::load(cli.config.as_deref()) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("clientele: invalid configuration: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log_format);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(settings).await,
        Command::Migrate => server::migrate(settings).await,
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("clientele: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
