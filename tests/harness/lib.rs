//! Starts the real `clientele` binary on a free port with a database of its own, and talks to it
//! over HTTP like any client. A test that moves time starts the service in-process instead
//! ([`Server::start_in_process`]), with a clock it holds; it is talked to the same way.

mod client;
pub mod dump;
mod in_process;

pub use client::{post, reset_token_claims, status_and_json};
pub use in_process::TestClock;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use clientele_testkit::{postgres_database, PgTestDatabase};
use serde_json::Value;

pub const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789";
pub const JWT_SECRET: &str = "e2e-jwt-secret-0123456789-0123456789-abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The binary under test, built (or found up to date) once per test run.
pub fn binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let status = Command::new(option_env!("CARGO").unwrap_or("cargo"))
                .args(["build", "--quiet", "-p", "clientele", "--bin", "clientele"])
                .current_dir(&root)
                .status()
                .expect("running cargo build for the clientele binary");
            assert!(status.success(), "building the clientele binary failed");
            // target/debug/deps/e2e-… → target/debug/clientele
            let exe = std::env::current_exe().unwrap();
            let path = exe.parent().unwrap().parent().unwrap().join("clientele");
            assert!(path.exists(), "no binary at {}", path.display());
            path
        })
        .clone()
}

/// Where a server keeps its data: kept across restarts of `Server`s made from it.
pub struct Storage {
    pub backend: Backend,
    pub url: String,
    _dir: tempfile::TempDir,
    _pg: Option<PgTestDatabase>,
}

impl Storage {
    /// `None` when PostgreSQL is unavailable outside CI (the test kit has said so loudly).
    pub fn new(backend: Backend) -> Option<Storage> {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("e2e.db").display()), None),
            Backend::Postgres => {
                let pg = postgres_database()?;
                (pg.url().to_owned(), Some(pg))
            }
        };
        Some(Storage {
            backend,
            url,
            _dir: dir,
            _pg: pg,
        })
    }

    /// The server's working directory; the SQLite database (`e2e.db`) is there too.
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// Where the server keeps its master key by default: beside the SQLite database, or
    /// `data/clientele.key` in the working directory for PostgreSQL.
    pub fn key_file(&self) -> PathBuf {
        match self.backend {
            Backend::Sqlite => self.dir().join("e2e.key"),
            Backend::Postgres => self.dir().join("data/clientele.key"),
        }
    }

    /// Where a generated admin token is written: beside the key file.
    pub fn admin_token_file(&self) -> PathBuf {
        self.key_file().with_extension("admin-token")
    }
}

pub struct Server {
    process: Process,
    pub base: String,
    pub http: reqwest::Client,
    log: Arc<Mutex<String>>,
}

/// What runs a server: the binary, or the application in this process.
enum Process {
    Child(Child),
    InProcess(in_process::Running),
}

fn collect(stream: impl std::io::Read + Send + 'static, log: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut log = log.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// The binary on `storage` with test settings, plus `env` overrides (`""` unsets), run in `dir`.
fn command(storage: &Storage, dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary());
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("CLIENTELE_LISTEN", "127.0.0.1:0")
        .env("CLIENTELE_DATABASE_URL", &storage.url)
        .env("CLIENTELE_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("CLIENTELE_JWT_SECRET", JWT_SECRET)
        .env("CLIENTELE_BCRYPT_COST", "4")
        .env("CLIENTELE_WORKERS", "2")
        // Tests hammer the limited routes from one address; the limit has its own test.
        .env("CLIENTELE_RATE_LIMIT_PER_MINUTE", "0")
        // Scenarios send several codes to one number or address; the limit has its own test
        // (kept on, far from the scenarios' counts, so it is exercised on every send).
        .env("CLIENTELE_SEND_LIMIT", "100");
    for (key, value) in env {
        command.env(key, value);
    }
    command.current_dir(dir);
    command
}

/// What a command of the binary (`clientele tenant list`, …) did on `storage`.
pub struct CommandOutput {
    pub success: bool,
    /// The exit status (`None` if a signal ended it).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// `clientele ARGS…` on `storage` with the servers' test settings, in its directory, not yet
/// started (to stop it midway).
pub fn command_for(storage: &Storage, args: &[&str]) -> Command {
    let mut command = command(storage, storage.dir(), &[("RUST_LOG", "")]);
    command.args(args).stdin(Stdio::null());
    command
}

/// Runs `clientele ARGS…` on `storage` with the servers' test settings, in its directory.
pub fn run_command(storage: &Storage, args: &[&str]) -> CommandOutput {
    let output = command(storage, storage.dir(), &[("RUST_LOG", "")])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running clientele");
    CommandOutput {
        success: output.status.success(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl Server {
    /// Starts the binary on `storage` with test settings, plus `env` overrides (`""` unsets).
    pub fn start(storage: &Storage, env: &[(&str, &str)]) -> Server {
        Server::start_in(storage, storage.dir(), env)
    }

    /// Like `start`, with another working directory: another instance on the same database.
    pub fn start_in(storage: &Storage, dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = command(storage, dir, env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting clientele");
        let log = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().unwrap(), log.clone());
        collect(child.stderr.take().unwrap(), log.clone());
        let deadline = Instant::now() + Duration::from_secs(30);
        let base = loop {
            let found = log
                .lock()
                .unwrap()
                .lines()
                .find_map(|l| l.strip_prefix("clientele listening on ").map(str::to_owned));
            if let Some(base) = found {
                break base;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "clientele exited with {status} before listening:\n{}",
                    log.lock().unwrap()
                );
            }
            assert!(
                Instant::now() < deadline,
                "clientele did not start:\n{}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server {
            process: Process::Child(child),
            base,
            http: reqwest::Client::new(),
            log,
        }
    }

    /// Like `start`, but the service runs in this process (`clientele::Application`), with a
    /// clock the test moves ([`Server::clock`]), a given master key, and only the log lines of
    /// its own thread (start-up, delivery, the mail logged without SMTP; no request lines).
    pub fn start_in_process(storage: &Storage, env: &[(&str, &str)]) -> Server {
        let log = Arc::new(Mutex::new(String::new()));
        let (base, running) = in_process::start(storage, env, log.clone());
        Server {
            process: Process::InProcess(running),
            base,
            http: reqwest::Client::new(),
            log,
        }
    }

    /// The clock of a server started in-process.
    pub fn clock(&self) -> &TestClock {
        match &self.process {
            Process::InProcess(running) => &running.clock,
            Process::Child(_) => panic!("only a server started in-process has a clock to move"),
        }
    }

    /// Runs the binary in `dir` on `storage`, expecting it to refuse to start: its output.
    pub fn refused_in(storage: &Storage, dir: &Path, env: &[(&str, &str)]) -> String {
        let mut child = command(storage, dir, env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting clientele");
        let log = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().unwrap(), log.clone());
        collect(child.stderr.take().unwrap(), log.clone());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline || log.lock().unwrap().contains("clientele listening on") {
                let _ = child.kill();
                let _ = child.wait();
                panic!("clientele started:\n{}", log.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(!status.success(), "{}", log.lock().unwrap());
        // The readers finish with the process's output.
        std::thread::sleep(Duration::from_millis(100));
        let log = log.lock().unwrap().clone();
        log
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// What the process prints, also after [`Self::terminate`] has consumed the server.
    pub fn log_handle(&self) -> Arc<Mutex<String>> {
        self.log.clone()
    }

    /// Everything the process printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Everything printed so far, once it holds `needle` (the request log line of an answered
    /// request is written, and read from the pipe, a moment after the answer arrives).
    pub fn log_once_it_holds(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) || Instant::now() >= deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for the exit status (in-process: stops it as SIGTERM would;
    /// 0 if it stopped cleanly, else 1).
    pub fn terminate(mut self) -> std::process::ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        let child = match &mut self.process {
            Process::Child(child) => child,
            Process::InProcess(running) => {
                return std::process::ExitStatus::from_raw(if running.stop() { 0 } else { 1 << 8 });
            }
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "clientele did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until a message to `recipient` has been tried at least once and is pending again:
    /// the try's claim is released (until the next try is due, no worker holds it).
    pub async fn wait_until_tried(&self, recipient: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let response = self
                .http
                .get(self.url("/admin/v1/outbox?status=pending"))
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap();
            let body: Value = response.json().await.unwrap();
            let tried = body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["recipient"] == recipient && m["attempts"].as_i64().unwrap_or(0) >= 1);
            if tried {
                return;
            }
            assert!(Instant::now() < deadline, "not tried: {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the outbox holds nothing pending: every message the requests so far wrote
    /// (in their own transaction) has been sent or abandoned. Then what a sink holds is all it
    /// will get, with no fixed wait; nothing depends on how a recipient is spelled, so a check
    /// that a number or address got nothing cannot pass early.
    pub async fn wait_until_outbox_drained(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (status, body) = self
                .admin(
                    reqwest::Method::GET,
                    "/admin/v1/outbox?status=pending&limit=1",
                    None,
                )
                .await;
            assert_eq!(status, 200, "{body}");
            if body["messages"].as_array().unwrap().is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "still pending: {body}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // In-process: `Running` stops the application as it is dropped.
        if let Process::Child(child) = &mut self.process {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
