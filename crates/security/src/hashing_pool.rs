//! Password hashing on threads of its own, never on the pool that database calls use: a flood
//! of sign-ins then costs sign-ins, not every other request.
//!
//! As many threads as cores (never more hashes in flight than cores), each at a lower
//! scheduling priority than the request path (`nice` 10), so a read preempts a hash. Excess
//! work waits in a bounded queue; beyond it the caller is told at once that hashing is busy
//! (the HTTP layer answers 503 with `Retry-After`) instead of threads or memory growing.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use clientele_domain::ports::HashError;

type Job = Box<dyn FnOnce() + Send>;

/// How much less urgent a hash is than a request (Linux nice values are per thread).
const NICENESS: i32 = 10;

pub struct HashingPool {
    jobs: SyncSender<Job>,
    threads: usize,
    queue: usize,
}

impl HashingPool {
    /// `threads` hashing threads (at least one) behind a queue of `queue` waiting jobs.
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, waiting) = sync_channel::<Job>(queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for index in 0..threads {
            let waiting = waiting.clone();
            std::thread::Builder::new()
                .name(format!("clientele-hash-{index}"))
                .spawn(move || work(&waiting))
                .expect("starting a password-hashing thread");
        }
        HashingPool { jobs, threads, queue }
    }

    /// One thread per core, with a queue of 32 jobs per thread.
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, cores * 32)
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    pub fn queue(&self) -> usize {
        self.queue
    }

    /// Runs `job` on a hashing thread; `Busy` at once when the queue is full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let queued = std::time::Instant::now();
        let job: Job = Box::new(move || {
            metrics::histogram!("clientele_password_hash_wait_seconds")
                .record(queued.elapsed().as_secs_f64());
            // The caller gave up (its client disconnected): do not spend a hash on nobody.
            if done.is_closed() {
                return;
            }
            let _ = done.send(job());
        });
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => {
                metrics::counter!("clientele_password_hash_busy_total").increment(1);
                HashError::Busy
            }
            TrySendError::Disconnected(_) => HashError::Unavailable,
        })?;
        result.await.map_err(|_| HashError::Unavailable)
    }
}

fn work(waiting: &Mutex<Receiver<Job>>) {
    // Best effort: where lowering the priority is not allowed the hash still runs.
    let _ = rustix::process::nice(NICENESS);
    loop {
        // The lock is held only while taking a job, not while running it.
        let next = waiting.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            // A panicking job drops its answer (the caller gets `Unavailable`) but must not take
            // the thread with it: the pool would shrink for good.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return, // the pool is gone
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// This thread's nice value, from /proc (field 19 of its stat line).
    fn own_niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[tokio::test]
    async fn hashes_run_at_a_lower_priority_than_the_caller() {
        let pool = HashingPool::new(1, 4);
        let caller = own_niceness();
        let worker = pool.run(own_niceness).await.unwrap();
        assert!(worker > caller, "hashing thread nice {worker}, caller {caller}");
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_thread_lives_on() {
        let pool = HashingPool::new(1, 4);
        let failed: Result<(), _> = pool.run(|| panic!("a hash panicked")).await;
        assert_eq!(failed, Err(HashError::Unavailable));
        assert_eq!(pool.run(|| 7).await, Ok(7), "the only thread still hashes");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_whose_caller_left_is_skipped() {
        let pool = Arc::new(HashingPool::new(1, 4));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let blocker = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move || {
                    started.send(()).unwrap();
                    hold.recv().ok()
                })
                .await
            })
        };
        // The only thread is busy before the second job is queued (under load the spawned
        // tasks could otherwise reach the pool in either order).
        tokio::task::spawn_blocking(move || running.recv().unwrap())
            .await
            .unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let abandoned = {
            let (pool, ran) = (pool.clone(), ran.clone());
            tokio::spawn(async move {
                pool.run(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
                .await
            })
        };
        // Queued behind the blocker, then its caller goes away.
        tokio::time::sleep(Duration::from_millis(50)).await;
        abandoned.abort();
        let _ = abandoned.await;
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        assert_eq!(pool.run(|| ()).await, Ok(()));
        assert_eq!(ran.load(Ordering::SeqCst), 0, "the abandoned job ran");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_jobs_at_once_than_threads_and_a_full_queue_is_busy() {
        let pool = Arc::new(HashingPool::new(2, 3));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let released = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let job = || {
            let (running, most, released) = (running.clone(), most.clone(), released.clone());
            move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                while !released.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                running.fetch_sub(1, Ordering::SeqCst);
            }
        };
        let submit = |job| {
            let pool = pool.clone();
            tokio::spawn(async move { pool.run(job).await })
        };
        // Two jobs occupy both threads, three more wait in the queue; a sixth is refused.
        let mut accepted: Vec<_> = (0..2).map(|_| submit(job())).collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while running.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        accepted.extend((0..3).map(|_| submit(job())));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let refused = pool.run(|| ());
        let refused = tokio::time::timeout(Duration::from_secs(5), refused).await;
        released.store(true, Ordering::SeqCst);
        assert_eq!(
            refused.ok(),
            Some(Err(HashError::Busy)),
            "a sixth job is refused at once"
        );
        for job in accepted {
            job.await.unwrap().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "never more hashes at once than threads"
        );
    }
}
