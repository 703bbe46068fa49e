use std::time::Duration;

use clientele_domain::services::Delivery;
use tokio::sync::watch;

/// How long the worker rests when the outbox has nothing due.
const IDLE: Duration = Duration::from_millis(250);

/// Sends due outbox messages until `stop` turns true, then returns between batches: a batch
/// under way is finished (each send ends within the send timeout) and its outcomes recorded.
/// Messages left unsent by a stop (or a crash) are sent by the next start: they are in the
/// database.
pub async fn run(delivery: Delivery, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let rest = match delivery.run_once().await {
            Ok(report) if report.claimed == 0 => IDLE,
            Ok(report) => {
                for (channel, outcome) in &report.outcomes {
                    metrics::counter!("clientele_outbox_deliveries_total",
                        "channel" => channel.as_str(), "outcome" => *outcome)
                    .increment(1);
                }
                tracing::debug!(
                    claimed = report.claimed,
                    sent = report.sent,
                    failed = report.failed,
                    "outbox batch handled"
                );
                if report.claims_lost > 0 {
                    tracing::warn!(
                        messages = report.claims_lost,
                        "a claim lapsed before its outcome was recorded; another worker holds the message and may send it again"
                    );
                }
                for error in &report.unrecorded {
                    tracing::warn!(%error, "an outcome could not be recorded; the message is tried again once its lease lapses");
                }
                Duration::ZERO
            }
            Err(error) => {
                tracing::warn!(%error, "outbox delivery failed; retrying");
                IDLE * 4
            }
        };
        if !rest.is_zero() {
            // Rests, unless told to stop meanwhile (or the one who could tell is gone).
            if let Ok(Err(_)) = tokio::time::timeout(rest, stop.changed()).await {
                break;
            }
        }
    }
    tracing::info!("outbox delivery stopped");
}
