//! The `clientele` binary: `clientele` (or `clientele serve`) serves the API;
//! `clientele migrate` applies database migrations and exits; `clientele tenant …` and
//! `clientele api-key …` manage tenants and keys on the configured database.

use clap::Parser;
use clientele::cli::{Cli, Command};
use clientele::{admin_commands, config, import_command, telemetry, Application};

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
    // A server whose logs are JSON reports its end as a log event, for the collector reading
    // them; otherwise one plain line on stderr says it.
    let failure_as_event = logs == telemetry::Logs::Server && settings.log_format == "json";
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    let done = std::process::ExitCode::SUCCESS;
    let outcome = match command {
        Command::Serve => serve(settings).await.map(|()| done),
        Command::Migrate => clientele::migrate(settings).await.map(|()| done),
        Command::Tenant(command) => admin_commands::tenant(settings, command).await.map(|()| done),
        Command::ApiKey(command) => admin_commands::api_key(settings, command).await.map(|()| done),
        // Some lines refused: the report (or the summary) says which. Not 2, which says the
        // command line or the configuration was refused (clap's and ours).
        Command::Import(args) => import_command::import(settings, args).await.map(|refused| {
            if refused {
                std::process::ExitCode::from(3)
            } else {
                done
            }
        }),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            // Said once: a log line and a stderr line would say it twice on a terminal.
            if failure_as_event {
                tracing::error!("{error:#}");
            } else {
                eprintln!("clientele: {error:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight (up to 30 s).
async fn serve(settings: config::Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    for address in application.addrs() {
        // A plain line for scripts and tests to wait on.
        println!("clientele listening on http://{address}");
    }
    // One SIGTERM stops the listeners and the delivery worker together.
    let stop = application.stop_handle();
    actix_web::rt::spawn(async move {
        stop_signal().await;
        stop.stop().await;
    });
    application.run_until_stopped().await
}

/// SIGTERM or SIGINT.
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
