//! Verification times that do not tell an account's hash scheme (its own bcrypt, or which earlier
//! system's it was imported from).
//!
//! A moving average of each scheme's hashing time is kept; after a verification its answer waits
//! until its hashing time reaches the largest average among the other schemes seen so far. Every
//! answer so takes about as long as the slowest scheme's, and a hasher that never saw an
//! imported hash waits for nothing. The wait is on the async side (a timer), never on a hashing
//! thread.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How far one verification moves its scheme's average: a tenth of the way, so that one outlier
/// (a thread preempted by requests) moves it little.
const WEIGHT: f64 = 0.1;

#[derive(Default)]
pub(crate) struct SchemeTimes {
    /// Seconds, by scheme.
    averages: Mutex<HashMap<&'static str, f64>>,
}

impl SchemeTimes {
    /// Records that verifying a hash of `scheme` took `took`; returns how much longer its answer
    /// is to wait.
    pub(crate) fn record(&self, scheme: &'static str, took: Duration) -> Duration {
        let mut averages = self.averages.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = padding(scheme, took, &averages);
        let seconds = took.as_secs_f64();
        averages
            .entry(scheme)
            .and_modify(|average| *average += WEIGHT * (seconds - *average))
            .or_insert(seconds);
        wait
    }
}

/// What brings `took` (a verification of `scheme`) up to the largest average of the other schemes.
fn padding(scheme: &str, took: Duration, averages: &HashMap<&'static str, f64>) -> Duration {
    let slowest_other = averages
        .iter()
        .filter(|(other, _)| **other != scheme)
        .map(|(_, &average)| average)
        .fold(0.0, f64::max);
    Duration::from_secs_f64(slowest_other).saturating_sub(took)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    fn averages(entries: &[(&'static str, f64)]) -> HashMap<&'static str, f64> {
        entries.iter().copied().collect()
    }

    /// Equal to within a microsecond (the averages are floating-point seconds).
    fn assert_about(actual: Duration, expected: Duration) {
        assert!(
            actual.abs_diff(expected) < Duration::from_micros(1),
            "{actual:?}, not {expected:?}"
        );
    }

    #[test]
    fn the_wait_reaches_the_slowest_other_schemes_average() {
        let seen = averages(&[("bcrypt", 0.25), ("import:argon2", 0.5), ("import:pbkdf2", 0.125)]);
        assert_about(padding("bcrypt", ms(200), &seen), ms(300));
        assert_about(padding("import:pbkdf2", ms(100), &seen), ms(400));
        // Its own (the slowest) average is not the target: the next slowest is.
        assert_about(padding("import:argon2", ms(150), &seen), ms(100));
        assert_eq!(
            padding("import:argon2", ms(400), &seen),
            Duration::ZERO,
            "already slower"
        );
    }

    #[test]
    fn no_wait_without_another_scheme() {
        assert_eq!(padding("bcrypt", ms(250), &averages(&[])), Duration::ZERO);
        assert_eq!(
            padding("bcrypt", ms(250), &averages(&[("bcrypt", 9.0)])),
            Duration::ZERO
        );
    }

    #[test]
    fn averages_start_at_the_first_time_and_move_a_tenth_of_the_way() {
        let times = SchemeTimes::default();
        assert_eq!(
            times.record("bcrypt", ms(200)),
            Duration::ZERO,
            "nothing else seen"
        );
        assert_eq!(
            times.record("import:scrypt", ms(500)),
            Duration::ZERO,
            "bcrypt is faster"
        );
        // Up to bcrypt's 200 ms; scrypt's average moves a tenth of the way to 100 ms: 460 ms.
        assert_about(times.record("import:scrypt", ms(100)), ms(100));
        assert_about(times.record("bcrypt", ms(200)), ms(260));
        // Another 200 ms leaves bcrypt's average where it was.
        assert_about(times.record("import:scrypt", ms(50)), ms(150));
    }
}
