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
    match &settings.metrics_listen {
        Some(address) => {
            actix_web::rt::spawn(metrics_exporter::serve_on(
                address,
                metrics_exporter::text_of(&recorder),
            )?);
        }
        None => state.metrics = Some(metrics_exporter::text_of(&recorder)),
    }
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
    let mut server = HttpServer::new(move || clientele_http::app(state.clone()))
        .shutdown_timeout(30)
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
    server.run().await.context("serving")?;
    // Requests have finished; the worker finishes its batch (each send ends within the SMTP
    // timeout) and records its outcomes before the runtime goes.
    let _ = stop_delivery.send(true);
    let batch_at_most = Duration::from_secs(u64::from(settings.smtp_timeout_secs) + 10);
    if tokio::time::timeout(batch_at_most, delivery).await.is_err() {
        tracing::warn!(
            "the outbox batch under way did not finish; its messages are sent after the next start"
        );
    }
    tracing::info!("stopped");
    Ok(())
}

pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let database =
        Database::connect_for_command(&settings.database_url).context("connecting to the database")?;
    let applied = database.migrate().await.context("applying migrations")?;
    tracing::info!(applied, "migrations applied");
    println!("{applied} migration(s) applied");
    Ok(())
}
