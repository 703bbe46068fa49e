//! The Prometheus recorder every `metrics::` call in the service records into, the jobs that
//! keep it current (histogram upkeep, the outbox's backlog), and the listener of its own that
//! serves `/metrics` when `CLIENTELE_METRICS_LISTEN` is set.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use anyhow::Context;
use clientele_domain::ports::{Outbox, WebhookRepository};
use clientele_http::MetricsText;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use time::OffsetDateTime;

/// Latency buckets, in seconds: from a cached read (a millisecond) to a slow bcrypt under load.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Installs the process-wide recorder, once per process (a process may build several
/// applications: each renders the same recorder); its text renders every metric recorded since.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    static INSTALLED: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(handle) = &*installed {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .context("metric buckets")?
        .install_recorder()
        .context("installing the metrics recorder")?;
    *installed = Some(handle.clone());
    Ok(handle)
}

pub fn text_of(handle: &PrometheusHandle) -> MetricsText {
    let handle = handle.clone();
    Arc::new(move || handle.render())
}

/// Every few seconds: the recorder's upkeep, the outbox's backlog by channel and the webhook
/// deliveries' (the same for every instance on one database: aggregate with `max`, not `sum`).
pub async fn keep_current(
    handle: PrometheusHandle,
    outbox: Arc<dyn Outbox>,
    webhooks: Arc<dyn WebhookRepository>,
) {
    let mut every_ten_seconds = tokio::time::interval(Duration::from_secs(10));
    loop {
        every_ten_seconds.tick().await;
        handle.run_upkeep();
        match outbox.pending_by_channel().await {
            Ok(backlog) => {
                let now = OffsetDateTime::now_utc();
                for channel in ["email", "sms"] {
                    let pending = backlog.iter().find(|p| p.channel.as_str() == channel);
                    let count = pending.map_or(0, |p| p.count);
                    let age = pending
                        .and_then(|p| p.oldest)
                        .map_or(0.0, |oldest| (now - oldest).as_seconds_f64().max(0.0));
                    metrics::gauge!("clientele_outbox_pending_messages", "channel" => channel)
                        .set(count as f64);
                    metrics::gauge!("clientele_outbox_oldest_pending_age_seconds", "channel" => channel)
                        .set(age);
                }
            }
            Err(error) => tracing::warn!(%error, "the outbox's backlog could not be read for the metrics"),
        }
        match webhooks.backlog().await {
            Ok((count, oldest)) => {
                let age = oldest.map_or(0.0, |oldest| {
                    (OffsetDateTime::now_utc() - oldest).as_seconds_f64().max(0.0)
                });
                metrics::gauge!("clientele_webhook_pending_deliveries").set(count as f64);
                metrics::gauge!("clientele_webhook_oldest_pending_age_seconds").set(age);
            }
            Err(error) => tracing::warn!(%error, "the webhook backlog could not be read for the metrics"),
        }
    }
}

/// Serves `GET /metrics`, and nothing else, on `address`, without the admin token: for a
/// listener the scraper alone can reach.
pub fn serve_on(address: &str, text: MetricsText) -> anyhow::Result<actix_web::dev::Server> {
    let server = HttpServer::new(move || {
        let text = text.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let text = text.clone();
                async move { clientele_http::metrics_exposition(&text) }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(address)
    .with_context(|| format!("binding CLIENTELE_METRICS_LISTEN {address}"))?;
    for bound in server.addrs() {
        tracing::info!(address = %bound, "serving metrics");
        println!("clientele metrics on http://{bound}/metrics");
    }
    Ok(server.run())
}
