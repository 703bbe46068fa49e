use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clientele_domain::services::{WebhookOutcome, WebhookSending};
use clientele_domain::webhooks::WebhookId;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// How long the worker rests when nothing is due.
const IDLE: Duration = Duration::from_millis(250);
/// How often ended deliveries past their keeping are forgotten.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Delivers webhook events until `stop` turns true: as many POSTs in flight as the settings
/// allow, each started as soon as a slot frees (never a batch waiting for its slowest), and a
/// few at most to one endpoint, so that a slow endpoint holds up neither the others nor the
/// mail (whose worker is another). At a stop, POSTs under way finish (each within the
/// timeout) and are recorded; what is left is delivered by the next start.
pub async fn run(sending: Arc<WebhookSending>, mut stop: watch::Receiver<bool>) {
    let settings = sending.settings().clone();
    let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let in_flight: Arc<Mutex<HashMap<WebhookId, usize>>> = Default::default();
    let mut tasks = JoinSet::new();
    let mut next_pruning = tokio::time::Instant::now();
    while !*stop.borrow() {
        if tokio::time::Instant::now() >= next_pruning {
            next_pruning += PRUNE_EVERY;
            match sending.prune().await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(
                    deliveries = gone,
                    "ended webhook deliveries past their keeping forgotten"
                ),
                Err(error) => {
                    tracing::warn!(%error, "ended webhook deliveries could not be forgotten; tried again later")
                }
            }
        }
        while tasks.try_join_next().is_some() {}
        let free = slots.available_permits();
        let rest = if free == 0 {
            IDLE
        } else {
            let skip: Vec<WebhookId> = in_flight
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|(_, n)| **n >= settings.per_endpoint)
                .map(|(id, _)| *id)
                .collect();
            match sending.claim(free as i64, &skip).await {
                Ok((_, due)) if due.is_empty() => IDLE,
                Ok((claim, due)) => {
                    for delivery in due {
                        let Ok(permit) = slots.clone().acquire_owned().await else {
                            break;
                        };
                        let (sending, in_flight) = (sending.clone(), in_flight.clone());
                        let endpoint = delivery.endpoint.id;
                        *in_flight
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .entry(endpoint)
                            .or_default() += 1;
                        tasks.spawn(async move {
                            let outcome = sending.deliver(&delivery, claim).await;
                            record(&delivery.endpoint.id, &outcome);
                            let mut counts = in_flight.lock().unwrap_or_else(|p| p.into_inner());
                            if let Some(count) = counts.get_mut(&endpoint) {
                                *count -= 1;
                                if *count == 0 {
                                    counts.remove(&endpoint);
                                }
                            }
                            drop(permit);
                        });
                    }
                    Duration::ZERO
                }
                Err(error) => {
                    tracing::warn!(%error, "webhook deliveries could not be claimed; retrying");
                    IDLE * 4
                }
            }
        };
        if !rest.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(rest) => {}
                // A slot freed: claim again at once.
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    tracing::info!("webhook delivery stopped");
}

fn record(endpoint: &WebhookId, outcome: &WebhookOutcome) {
    metrics::counter!("clientele_webhook_deliveries_total",
        "endpoint" => endpoint.to_string(), "outcome" => outcome.as_str())
    .increment(1);
    match outcome {
        WebhookOutcome::ClaimLost => tracing::warn!(
            %endpoint,
            "a webhook claim lapsed before its outcome was recorded; the event may be delivered twice"
        ),
        WebhookOutcome::Unrecorded(error) => tracing::warn!(
            %endpoint, %error,
            "a webhook outcome could not be recorded; tried again once its lease lapses"
        ),
        WebhookOutcome::Abandoned => tracing::warn!(%endpoint, "a webhook delivery was abandoned"),
        _ => {}
    }
}
