use std::time::Duration;

use actix_web::HttpServer;
use anyhow::Context;
use clientele_store::Database;

use crate::config::Settings;
use crate::{delivery_worker, malformed_requests, metrics_exporter, wiring};

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight (up to 30 s).
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let database = Database::open(&settings.database_url)
        .await
        .context("opening the database")?;
    if !database.claim_sole_use(Duration::from_secs(10)).await {
        anyhow::bail!(
            "another Clientele process serves this SQLite database: one server per SQLite file \
             (its lock file, beside the database, is held); run several instances on PostgreSQL"
        );
    }
    let recorder = metrics_exporter::install()?;
    let wired = wiring::wire(&settings, database).await?;
    let (stop_delivery, stop) = tokio::sync::watch::channel(false);
    let delivery = actix_web::rt::spawn(delivery_worker::run(wired.delivery, stop));
    actix_web::rt::spawn(metrics_exporter::keep_current(recorder.clone(), wired.outbox));
    let mut state = wired.state;
    let metrics_server = match &settings.metrics_listen {
        Some(address) => {
            let server = metrics_exporter::serve_on(address, metrics_exporter::text_of(&recorder))?;
            let handle = server.handle();
            actix_web::rt::spawn(server);
            Some(handle)
        }
        None => {
            state.metrics = Some(metrics_exporter::text_of(&recorder));
            None
        }
    };
    // The limiters hold a budget per client address and per API key: forget the idle ones.
    let (rate_limits, key_limits) = (state.rate_limits.clone(), state.key_limits.clone());
    actix_web::rt::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            if let Some(limits) = &rate_limits {
                limits.forget_idle_clients();
            }
            if let Some(limits) = &key_limits {
                limits.forget_idle_keys();
            }
        }
    });
    actix_web::rt::spawn(async {
        let mut every_five_seconds = tokio::time::interval(Duration::from_secs(5));
        loop {
            every_five_seconds.tick().await;
            malformed_requests::report();
        }
    });
    // Signals are handled below, so that one SIGTERM stops the listeners and the delivery
    // worker together.
    let mut server = HttpServer::new(move || clientele_http::app(state.clone()))
        .shutdown_timeout(30)
        .disable_signals()
        .client_request_timeout(Duration::from_secs(10));
    if settings.workers > 0 {
        server = server.workers(settings.workers);
    }
    let server = server
        .bind(&settings.listen)
        .with_context(|| format!("binding {}", settings.listen))?;
    for address in server.addrs() {
        tracing::info!(%address, "listening");
        // A plain line for scripts and tests to wait on.
        println!("clientele listening on http://{address}");
    }
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        stop_signal().await;
        tracing::info!("stopping: requests in flight finish, the outbox batch under way too");
        // At once, not after the requests: the worker claims nothing new meanwhile.
        let _ = stop_delivery.send(true);
        if let Some(metrics) = metrics_server {
            metrics.stop(true).await;
        }
        handle.stop(true).await;
    });
    server.await.context("serving")?;
    // The worker finishes its batch (each send ends within the SMTP timeout, a batch is
    // `batch / concurrency` rounds: one) and records its outcomes before the runtime goes.
    let batch_at_most = Duration::from_secs(u64::from(settings.smtp_timeout_secs) + 10);
    if tokio::time::timeout(batch_at_most, delivery).await.is_err() {
        tracing::warn!(
            "the outbox batch under way did not finish; its messages are sent after the next start"
        );
    }
    tracing::info!("stopped");
    Ok(())
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

pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let database =
        Database::connect_for_command(&settings.database_url).context("connecting to the database")?;
    let applied = database.migrate().await.context("applying migrations")?;
    tracing::info!(applied, "migrations applied");
    println!("{applied} migration(s) applied");
    Ok(())
}
