//! The service built and bound, ready to run: what `clientele serve` runs, and what a program
//! (an end-to-end test, say) can run in its own process.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::rt::task::JoinHandle;
use actix_web::HttpServer;
use anyhow::Context;
use clientele_domain::ports::Clock;
use clientele_security::SystemClock;
use clientele_store::Database;
use tokio::sync::watch;

use crate::config::Settings;
use crate::{delivery_worker, malformed_requests, metrics_exporter, webhook_worker, wiring};

/// What a caller may supply instead of what the settings would pick.
#[derive(Clone, Default)]
pub struct Overrides {
    /// The clock every use case and the delivery worker read; the system clock if `None`.
    pub clock: Option<Arc<dyn Clock>>,
}

/// The service with its database open (migrations applied), its keys resolved, its use cases
/// wired, its outbox delivery under way and its listener bound. [`Application::run_until_stopped`]
/// serves until [`StopHandle::stop`]; nothing here reads signals, the binary does.
pub struct Application {
    server: Server,
    addrs: Vec<SocketAddr>,
    stop: StopHandle,
    delivery: JoinHandle<()>,
    webhooks: JoinHandle<()>,
    /// The periodic jobs, ended with the server.
    chores: Vec<JoinHandle<()>>,
    smtp_timeout_secs: u32,
    webhook_timeout_secs: u32,
}

/// Stops an [`Application`]: requests in flight finish, the outbox batch under way too.
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    delivery: Arc<watch::Sender<bool>>,
    metrics: Option<ServerHandle>,
}

impl StopHandle {
    /// Stops the listeners and the delivery worker together, and returns once the listeners
    /// are stopped (the requests in flight answered, up to 30 s).
    pub async fn stop(&self) {
        tracing::info!("stopping: requests in flight finish, the outbox batch under way too");
        // At once, not after the requests: the worker claims nothing new meanwhile.
        let _ = self.delivery.send(true);
        if let Some(metrics) = &self.metrics {
            metrics.stop(true).await;
        }
        self.server.stop(true).await;
    }
}

impl Application {
    /// Builds the service on `settings` (from [`Settings::load`] or
    /// [`Settings::from_variables`]), with the system clock. Must run on an actix system
    /// (`#[actix_web::main]`, `actix_web::rt::System`): it spawns its jobs there.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        Application::build_with(settings, Overrides::default()).await
    }

    /// Like [`Application::build`], with what `overrides` supplies.
    pub async fn build_with(settings: Settings, overrides: Overrides) -> anyhow::Result<Application> {
        // Settings built or changed by hand are checked (and their parsed values made) here,
        // as loading them does: the wiring reads only checked values.
        let settings = settings
            .checked()
            .map_err(|reason| anyhow::anyhow!("invalid configuration: {reason}"))?;
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
        let clock = overrides.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let wired = wiring::wire(&settings, database, clock).await?;
        let mut state = wired.state;
        let metrics_server = match &settings.metrics_listen {
            Some(address) => Some(metrics_exporter::serve_on(
                address,
                metrics_exporter::text_of(&recorder),
            )?),
            None => {
                state.metrics = Some(metrics_exporter::text_of(&recorder));
                None
            }
        };
        // The limiters hold a budget per client address and per API key: forget the idle ones.
        let (rate_limits, key_limits) = (state.rate_limits.clone(), state.key_limits.clone());
        // Signals are the binary's business: it stops the listeners and the delivery worker
        // together through the stop handle.
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
        let addrs = server.addrs();
        for address in &addrs {
            tracing::info!(%address, "listening");
        }
        let (stop_delivery, stop) = watch::channel(false);
        let webhooks = actix_web::rt::spawn(webhook_worker::run(wired.webhook_sending, stop.clone()));
        let delivery = actix_web::rt::spawn(delivery_worker::run(wired.delivery, stop));
        let mut chores = vec![actix_web::rt::spawn(metrics_exporter::keep_current(
            recorder.clone(),
            wired.outbox,
            wired.webhooks,
        ))];
        let metrics = metrics_server.map(|server| {
            let handle = server.handle();
            chores.push(actix_web::rt::spawn(async move {
                let _ = server.await;
            }));
            handle
        });
        chores.push(actix_web::rt::spawn(async move {
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
        }));
        chores.push(actix_web::rt::spawn(async {
            let mut every_five_seconds = tokio::time::interval(Duration::from_secs(5));
            loop {
                every_five_seconds.tick().await;
                malformed_requests::report();
            }
        }));
        let server = server.run();
        let stop = StopHandle {
            server: server.handle(),
            delivery: Arc::new(stop_delivery),
            metrics,
        };
        Ok(Application {
            server,
            addrs,
            stop,
            delivery,
            webhooks,
            chores,
            smtp_timeout_secs: settings.smtp_timeout_secs,
            webhook_timeout_secs: settings.webhook_timeout_secs,
        })
    }

    /// The addresses the listener is bound to.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The (first) address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// The port the listener is bound to: the one the system picked for `127.0.0.1:0`.
    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// What stops [`Application::run_until_stopped`].
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Serves until stopped through a [`StopHandle`], then waits for the outbox batch under way.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("serving")?;
        // The worker finishes its batch (each send ends within the SMTP timeout, a batch is
        // `batch / concurrency` rounds: one) and records its outcomes before the runtime goes.
        let batch_at_most = Duration::from_secs(u64::from(self.smtp_timeout_secs) + 10);
        if tokio::time::timeout(batch_at_most, self.delivery).await.is_err() {
            tracing::warn!(
                "the outbox batch under way did not finish; its messages are sent after the next start"
            );
        }
        let posts_at_most = Duration::from_secs(u64::from(self.webhook_timeout_secs) + 10);
        if tokio::time::timeout(posts_at_most, self.webhooks).await.is_err() {
            tracing::warn!(
                "webhook deliveries under way did not finish; they are tried again after the next start"
            );
        }
        for chore in self.chores {
            chore.abort();
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// `clientele migrate`: applies the pending migrations and exits.
pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let database =
        Database::connect_for_command(&settings.database_url).context("connecting to the database")?;
    let applied = database.migrate().await.context("applying migrations")?;
    tracing::info!(applied, "migrations applied");
    println!("{applied} migration(s) applied");
    Ok(())
}
