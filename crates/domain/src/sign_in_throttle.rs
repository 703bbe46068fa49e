use time::{Duration, OffsetDateTime};

/// Consecutive failed sign-ins of one account and the lock they caused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInThrottle {
    pub failures: i32,
    pub locked_until: Option<OffsetDateTime>,
}

/// Failures allowed before the account starts refusing sign-in.
pub const FREE_FAILURES: i32 = 10;
const FIRST_LOCK: Duration = Duration::minutes(1);
const LONGEST_LOCK: Duration = Duration::hours(24);

impl SignInThrottle {
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// How long to refuse sign-in after the `failures`-th consecutive failure: nothing before the
/// tenth, then one minute, doubling with each further failure, at most a day.
pub fn lock_after(failures: i32) -> Option<Duration> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(20) as u32;
    let lock = FIRST_LOCK * 2_i32.pow(doublings);
    Some(lock.min(LONGEST_LOCK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_failures_are_free_then_the_lock_grows_to_a_cap() {
        assert_eq!(lock_after(9), None);
        assert_eq!(lock_after(10), Some(Duration::minutes(1)));
        assert_eq!(lock_after(11), Some(Duration::minutes(2)));
        assert_eq!(lock_after(13), Some(Duration::minutes(8)));
        assert_eq!(lock_after(40), Some(Duration::hours(24)));
        assert_eq!(lock_after(i32::MAX), Some(Duration::hours(24)));
    }
}
