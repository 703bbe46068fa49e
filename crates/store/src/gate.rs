//! Whether what this process holds in memory may answer: always on SQLite once this process is
//! the file's only server, and on PostgreSQL only while the change follower hears every
//! instance's writes (a lease it renews with each read of the change log).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub struct Gate {
    /// Until when (milliseconds after `base`) memory may answer; `u64::MAX`: always.
    answers_until: AtomicU64,
    base: Instant,
    /// The same by the wall clock (milliseconds since 1970), which runs on while the host
    /// sleeps, when the monotonic clock stops: a lease does not outlive a suspended host.
    answers_until_wall: AtomicU64,
}

fn wall_millis_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

impl Gate {
    pub fn new(open: bool) -> Self {
        let until = if open { u64::MAX } else { 0 };
        Gate {
            answers_until: AtomicU64::new(until),
            base: Instant::now(),
            answers_until_wall: AtomicU64::new(until),
        }
    }

    fn millis_now(&self) -> u64 {
        self.base.elapsed().as_millis() as u64
    }

    pub fn answering(&self) -> bool {
        self.answers_at(self.millis_now(), wall_millis_now())
    }

    fn answers_at(&self, millis: u64, wall_millis: u64) -> bool {
        millis < self.answers_until.load(Ordering::Acquire)
            && wall_millis < self.answers_until_wall.load(Ordering::Acquire)
    }

    /// Every writer of the database is this process: answer from now on.
    pub fn answer_always(&self) {
        self.answers_until.store(u64::MAX, Ordering::Release);
        self.answers_until_wall.store(u64::MAX, Ordering::Release);
    }

    /// The follower proved it has read every change so far: memory may answer for `lease` more.
    pub fn renew(&self, lease: Duration) {
        let lease = lease.as_millis() as u64;
        self.answers_until
            .fetch_max(self.millis_now() + lease, Ordering::AcqRel);
        self.answers_until_wall
            .store(wall_millis_now() + lease, Ordering::Release);
    }

    /// Answer nothing until renewed.
    pub fn close(&self) {
        self.answers_until.store(0, Ordering::Release);
        self.answers_until_wall.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_ends_by_either_clock() {
        let gate = Gate::new(false);
        gate.renew(Duration::from_secs(60));
        let (millis, wall) = (gate.millis_now(), wall_millis_now());
        assert!(gate.answers_at(millis, wall));
        assert!(
            !gate.answers_at(millis, wall + 61_000),
            "the host slept a minute: the monotonic clock did not run, the wall clock did"
        );
        assert!(!gate.answers_at(millis + 61_000, wall));
        gate.close();
        assert!(!gate.answering());
        gate.answer_always();
        assert!(gate.answers_at(u64::MAX - 1, u64::MAX - 1));
    }
}
