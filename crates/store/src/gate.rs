//! Whether what this process holds in memory may answer: always on SQLite once this process is
//! the file's only server, and on PostgreSQL only while the change follower hears every
//! instance's writes (a lease it renews with each read of the change log).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Gate {
    /// Until when (milliseconds after `base`) memory may answer; `u64::MAX`: always.
    answers_until: AtomicU64,
    base: Instant,
}

impl Gate {
    pub fn new(open: bool) -> Self {
        Gate {
            answers_until: AtomicU64::new(if open { u64::MAX } else { 0 }),
            base: Instant::now(),
        }
    }

    fn millis_now(&self) -> u64 {
        self.base.elapsed().as_millis() as u64
    }

    pub fn answering(&self) -> bool {
        self.millis_now() < self.answers_until.load(Ordering::Acquire)
    }

    /// Every writer of the database is this process: answer from now on.
    pub fn answer_always(&self) {
        self.answers_until.store(u64::MAX, Ordering::Release);
    }

    /// The follower proved it has read every change so far: memory may answer for `lease` more.
    pub fn renew(&self, lease: Duration) {
        let until = self.millis_now() + lease.as_millis() as u64;
        self.answers_until.fetch_max(until, Ordering::AcqRel);
    }

    /// Answer nothing until renewed.
    pub fn close(&self) {
        self.answers_until.store(0, Ordering::Release);
    }
}
