use std::time::Duration;

use clientele_domain::services::Delivery;

/// How long the worker rests when the outbox has nothing due.
const IDLE: Duration = Duration::from_millis(250);

/// Sends due outbox messages until the process stops. Messages left unsent by a stop (or a
/// crash) are sent by the next start: they are in the database.
pub async fn run(delivery: Delivery) {
    loop {
        match delivery.run_once().await {
            Ok(0) => tokio::time::sleep(IDLE).await,
            Ok(sent) => tracing::debug!(sent, "outbox messages handled"),
            Err(error) => {
                tracing::warn!(%error, "outbox delivery failed; retrying");
                tokio::time::sleep(IDLE * 4).await;
            }
        }
    }
}
