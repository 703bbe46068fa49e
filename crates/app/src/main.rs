//! The `clientele` binary: `clientele` (or `clientele serve`) serves the API;
//! `clientele migrate` applies database migrations and exits; `clientele tenant …` and
//! `clientele api-key …` manage tenants and keys on the configured database.

mod admin_commands;
mod cli;
mod config;
mod delivery_worker;
mod instance;
mod malformed_requests;
mod master_key;
mod metrics_exporter;
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
    let command = cli.command.unwrap_or(Command::Serve);
    let logs = match command {
        Command::Serve => telemetry::Logs::Server,
        _ => telemetry::Logs::Command,
    };
    telemetry::init(&settings.log_format, logs);
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let outcome = match command {
        Command::Serve => server::serve(settings).await,
        Command::Migrate => server::migrate(settings).await,
        Command::Tenant(command) => admin_commands::tenant(settings, command).await,
        Command::ApiKey(command) => admin_commands::api_key(settings, command).await,
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
