//! Verification times that do not tell an account's hash scheme (its own bcrypt, or which earlier
//! system's it was imported from).
//!
//! A moving average of each scheme's hashing time is kept, and the highest that average has
//! been (its peak). After a verification its answer waits until its hashing time reaches the
//! highest peak among the other schemes seen so far. Every answer so takes about as long as the
//! slowest scheme's, and a hasher that never saw an imported hash waits for nothing. An answer
//! that is no verification of a scheme (an unreadable hash: `Malformed`) records nothing and
//! waits for the highest peak of all, as long as any answer takes.
//!
//! The target is the peak, not the average, so that it only ever rises: wrong passwords against
//! a scheme's cheap accounts lower its average, and would otherwise lower the others' padding
//! until the accounts of costlier schemes stood out again. The average still smooths what is
//! recorded (one slow outlier moves it a tenth of the way), except a scheme's first time, which
//! is its average and peak at once. The price: a slow first check, or a run of slow ones (a
//! loaded machine), raises the wait for the rest of the process.
//!
//! The times are kept per process and start empty: after a restart, a scheme's first check is
//! padded only to the schemes seen before it (the very first check of all, not at all), and the
//! others are padded to it only once it has been checked. The wait is on the async side (a
//! timer), never on a hashing thread.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// How far one verification moves its scheme's average: a tenth of the way, so that one outlier
/// (a thread preempted by requests) moves it little.
const WEIGHT: f64 = 0.1;

/// One scheme's verification times, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Times {
    /// The moving average.
    average: f64,
    /// The highest the average has been: the padding target the scheme sets for the others.
    peak: f64,
}

#[derive(Default)]
pub(crate) struct SchemeTimes {
    by_scheme: Mutex<HashMap<&'static str, Times>>,
}

impl SchemeTimes {
    /// Records that verifying a hash of `scheme` took `took`; returns how much longer its answer
    /// is to wait.
    pub(crate) fn record(&self, scheme: &'static str, took: Duration) -> Duration {
        let mut by_scheme = self.by_scheme.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = padding(Some(scheme), took, &by_scheme);
        let seconds = took.as_secs_f64();
        by_scheme
            .entry(scheme)
            .and_modify(|times| {
                times.average += WEIGHT * (seconds - times.average);
                times.peak = times.peak.max(times.average);
            })
            .or_insert(Times {
                average: seconds,
                peak: seconds,
            });
        wait
    }

    /// How much longer an answer that is no verification of a scheme (an error) is to wait,
    /// `took` after its check began: to the highest peak of all schemes. Nothing is recorded.
    pub(crate) fn unrecorded(&self, took: Duration) -> Duration {
        let by_scheme = self.by_scheme.lock().unwrap_or_else(PoisonError::into_inner);
        padding(None, took, &by_scheme)
    }
}

/// What brings `took` (a verification of `scheme`, or of none) up to the highest peak of the
/// other schemes.
fn padding(scheme: Option<&str>, took: Duration, by_scheme: &HashMap<&'static str, Times>) -> Duration {
    let target = by_scheme
        .iter()
        .filter(|(other, _)| Some(**other) != scheme)
        .map(|(_, times)| times.peak)
        .fold(0.0, f64::max);
    Duration::from_secs_f64(target).saturating_sub(took)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// Schemes with their peaks (the average below, which the padding does not read).
    fn peaks(entries: &[(&'static str, f64)]) -> HashMap<&'static str, Times> {
        entries
            .iter()
            .map(|&(scheme, peak)| {
                let times = Times {
                    average: peak / 2.0,
                    peak,
                };
                (scheme, times)
            })
            .collect()
    }

    /// Equal to within a microsecond (the times are floating-point seconds).
    fn assert_about(actual: Duration, expected: Duration) {
        assert!(
            actual.abs_diff(expected) < Duration::from_micros(1),
            "{actual:?}, not {expected:?}"
        );
    }

    #[test]
    fn the_wait_reaches_the_slowest_other_schemes_peak() {
        let seen = peaks(&[("bcrypt", 0.25), ("import:argon2", 0.5), ("import:pbkdf2", 0.125)]);
        assert_about(padding(Some("bcrypt"), ms(200), &seen), ms(300));
        assert_about(padding(Some("import:pbkdf2"), ms(100), &seen), ms(400));
        // Its own (the slowest) peak is not the target: the next slowest is.
        assert_about(padding(Some("import:argon2"), ms(150), &seen), ms(100));
        assert_eq!(
            padding(Some("import:argon2"), ms(400), &seen),
            Duration::ZERO,
            "already slower"
        );
    }

    #[test]
    fn an_answer_of_no_scheme_waits_for_the_slowest_of_all() {
        let seen = peaks(&[("bcrypt", 0.25), ("import:argon2", 0.5)]);
        assert_about(padding(None, ms(1), &seen), ms(499));
        assert_eq!(padding(None, ms(1), &peaks(&[])), Duration::ZERO);
    }

    #[test]
    fn no_wait_without_another_scheme() {
        assert_eq!(padding(Some("bcrypt"), ms(250), &peaks(&[])), Duration::ZERO);
        assert_eq!(
            padding(Some("bcrypt"), ms(250), &peaks(&[("bcrypt", 9.0)])),
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
        let scrypt = times.by_scheme.lock().unwrap()["import:scrypt"];
        assert!((scrypt.average - 0.46).abs() < 1e-9, "{scrypt:?}");
        // Up to scrypt's peak (its first 500 ms), not its 460 ms average.
        assert_about(times.record("bcrypt", ms(200)), ms(300));
        // A slower time raises the average past the old peak, and the peak with it: 514 ms.
        assert_about(times.record("import:scrypt", ms(1000)), ms(0));
        assert_about(times.record("bcrypt", ms(200)), ms(314));
        // Another 200 ms leaves bcrypt's average (and peak) where it was.
        assert_about(times.record("import:scrypt", ms(50)), ms(150));
    }

    #[test]
    fn cheap_checks_do_not_lower_the_target() {
        let times = SchemeTimes::default();
        times.record("bcrypt", ms(100));
        times.record("import:argon2", ms(800));
        // Wrong passwords against cheap argon2 accounts: its average falls towards 10 ms...
        for _ in 0..100 {
            times.record("import:argon2", ms(10));
        }
        let argon2 = times.by_scheme.lock().unwrap()["import:argon2"];
        assert!(argon2.average < 0.011, "{argon2:?}");
        // ...but bcrypt's answers (and errors) still wait for its 800 ms peak.
        assert_about(times.record("bcrypt", ms(100)), ms(700));
        assert_about(times.unrecorded(ms(0)), ms(800));
    }

    #[test]
    fn unrecorded_answers_change_nothing() {
        let times = SchemeTimes::default();
        assert_eq!(times.unrecorded(ms(5)), Duration::ZERO, "nothing seen");
        times.record("bcrypt", ms(300));
        assert_about(times.unrecorded(ms(5)), ms(295));
        // Its own peak counts: it is as long as a bcrypt answer takes.
        assert_about(times.unrecorded(ms(400)), ms(0));
        assert_eq!(times.by_scheme.lock().unwrap().len(), 1);
    }
}
