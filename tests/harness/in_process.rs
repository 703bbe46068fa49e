//! The service run in the test's own process (`clientele::Application`) rather than as the
//! binary, so that a test can hold its clock: expiry is then a matter of moving the clock,
//! not of sleeping.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use clientele::{Application, Clock, Overrides, Settings};
use time::OffsetDateTime;
use tracing_subscriber::util::SubscriberInitExt;

use crate::{Storage, ADMIN_TOKEN, JWT_SECRET};

/// The master key of in-process servers: given rather than in a file of the working directory
/// (the test process's, shared by every test).
const MASTER_KEY: &str = "e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0";

/// The clock of an in-process server: the system's, moved on by what the test advanced it by.
/// It runs as time does (retries and leases fall due as with the binary), and jumps when told.
#[derive(Clone, Default)]
pub struct TestClock(Arc<Mutex<time::Duration>>);

impl TestClock {
    /// Moves the clock forward by `by`: what was due within `by` is due now.
    pub fn advance(&self, by: std::time::Duration) {
        *self.0.lock().unwrap() += by;
    }

    /// What the server's clock says now.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + *self.0.lock().unwrap()
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        TestClock::now(self)
    }
}

/// An application running on a thread (an actix system) of its own.
pub(crate) struct Running {
    pub clock: TestClock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Stops the application as SIGTERM stops the binary: whether it stopped cleanly.
    pub fn stop(&mut self) -> bool {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(()))) | None => true,
            Some(Ok(Err(error))) => {
                eprintln!("the in-process clientele stopped with an error: {error:#}");
                false
            }
            Some(Err(_)) => false,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Appends what is written to the server's log.
struct LogWriter(Arc<Mutex<String>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().push_str(&String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The settings of the binary's test runs (`crate::command`), then `env` (`""` unsets), read as
/// the binary reads its environment.
fn settings(storage: &Storage, env: &[(&str, &str)]) -> Settings {
    let mut variables: BTreeMap<&str, &str> = [
        ("CLIENTELE_LISTEN", "127.0.0.1:0"),
        ("CLIENTELE_DATABASE_URL", storage.url.as_str()),
        ("CLIENTELE_ADMIN_TOKEN", ADMIN_TOKEN),
        ("CLIENTELE_JWT_SECRET", JWT_SECRET),
        ("CLIENTELE_MASTER_KEY", MASTER_KEY),
        ("CLIENTELE_BCRYPT_COST", "4"),
        ("CLIENTELE_WORKERS", "2"),
        ("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0"),
        ("CLIENTELE_SEND_LIMIT", "100"),
    ]
    .into_iter()
    .collect();
    variables.extend(env.iter().copied());
    Settings::from_variables(variables)
        .unwrap_or_else(|e| panic!("settings: {e}"))
        .settings
}

/// Builds and runs the application on `storage` with test settings plus `env`, on a thread of
/// its own; its log lines (those of its own thread: start-up, the delivery worker, the mail
/// logged when no SMTP server is set; not the request lines of the HTTP workers) go to `log`.
/// The address it listens on, and what runs it.
pub(crate) fn start(storage: &Storage, env: &[(&str, &str)], log: Arc<Mutex<String>>) -> (String, Running) {
    let settings = settings(storage, env);
    let clock = TestClock::default();
    let overrides = Overrides {
        clock: Some(Arc::new(clock.clone())),
    };
    let (started, listening) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let _logs = tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_target(false)
            .with_ansi(false)
            .with_writer(move || LogWriter(log.clone()))
            .finish()
            .set_default();
        actix_web::rt::System::new().block_on(async move {
            let application = match Application::build_with(settings, overrides).await {
                Ok(application) => application,
                Err(error) => {
                    let _ = started.send(Err(format!("{error:#}")));
                    return Err(error);
                }
            };
            let _ = started.send(Ok(application.local_addr()));
            let handle = application.stop_handle();
            actix_web::rt::spawn(async move {
                // Told to stop, or whoever could tell is gone.
                let _ = stopped.await;
                handle.stop().await;
            });
            application.run_until_stopped().await
        })
    });
    let address = match listening.recv() {
        Ok(Ok(address)) => address,
        Ok(Err(error)) => panic!("clientele did not start: {error}"),
        Err(_) => panic!("clientele did not start: {:?}", thread.join().err()),
    };
    let running = Running {
        clock,
        stop: Some(stop),
        thread: Some(thread),
    };
    (format!("http://{address}"), running)
}
