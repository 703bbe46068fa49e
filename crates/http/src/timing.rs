//! Answers whose content must not reveal whether an account exists must not reveal it by their
//! timing either: they are held until a fixed time after the request began.

use std::future::Future;
use std::time::Duration;

use actix_web::rt::time::{sleep_until, Instant};

/// Longer than the work behind any of these answers takes on a healthy database.
pub const FLOOR: Duration = Duration::from_millis(250);

/// Runs `work`, then waits until `FLOOR` has passed since the start, whatever `work` did.
pub async fn with_floor<T>(work: impl Future<Output = T>) -> T {
    let deadline = Instant::now() + FLOOR;
    let result = work.await;
    sleep_until(deadline).await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    // Virtual time: the clock only moves when everything waits, so this is exact.
    #[tokio::test(start_paused = true)]
    async fn quick_and_slow_work_end_at_the_same_time() {
        let start = Instant::now();
        assert_eq!(with_floor(async { 7 }).await, 7);
        assert_eq!(Instant::now() - start, FLOOR);
        let start = Instant::now();
        with_floor(actix_web::rt::time::sleep(FLOOR / 2)).await;
        assert_eq!(Instant::now() - start, FLOOR);
    }
}
