use std::time::Duration;

use clientele_domain::services::Delivery;

/// How long the worker rests when the outbox has nothing due.
const IDLE: Duration = Duration::from_millis(250);

/// Sends due outbox messages until the process stops. Messages left unsent by a stop (or a
/// crash) are sent by the next start: they are in the database.
pub async fn run(delivery: Delivery) {
    loop {
        match delivery.run_once().await {
            Ok(report) if report.claimed == 0 => tokio::time::sleep(IDLE).await,
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
            }
            Err(error) => {
                tracing::warn!(%error, "outbox delivery failed; retrying");
                tokio::time::sleep(IDLE * 4).await;
            }
        }
    }
}
