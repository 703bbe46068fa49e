use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;

/// Server URL without a database; override with `CLIENTELE_TEST_POSTGRES_URL`.
fn server_url() -> String {
    std::env::var("CLIENTELE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// `scheme://host:port/…` without any `user:password@`, to be printed.
fn without_credentials(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

fn admin_url() -> String {
    format!("{}/postgres", server_url().trim_end_matches('/'))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn reachable() -> bool {
    PgConnection::establish(&admin_url()).is_ok()
}

/// Starts every local cluster (`/etc/postgresql/<version>/main`) and waits for it to answer.
fn start_local_cluster() -> bool {
    let Ok(versions) = std::fs::read_dir("/etc/postgresql") else {
        return false;
    };
    for version in versions.flatten() {
        let version = version.file_name().to_string_lossy().into_owned();
        let _ = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reachable() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}

fn server_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        if reachable() || start_local_cluster() {
            return true;
        }
        let message = format!(
            "\n\n!!!!!!!! PostgreSQL is NOT reachable at {} and could not be started. !!!!!!!!\n\
             !!!!!!!! The PostgreSQL tests are NOT running.                            !!!!!!!!\n",
            server_url()
        );
        if in_ci() {
            panic!("{message}CI=true: failing instead of skipping.");
        }
        eprintln!("{message}");
        false
    })
}

/// A database of this test's own; dropped (with any connections still open) on drop.
pub struct PgTestDatabase {
    name: String,
    url: String,
}

impl PgTestDatabase {
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&admin_url()) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
        }
    }
}

/// A fresh, empty database, or `None` (after a loud warning) when PostgreSQL is unavailable
/// outside CI. Under `CI=true` an unavailable server panics.
pub fn postgres_database() -> Option<PgTestDatabase> {
    if !server_available() {
        crate::record_skip(&format!(
            "PostgreSQL unreachable at {}",
            without_credentials(&server_url())
        ));
        return None;
    }
    let name = format!("clientele_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&admin_url()).expect("PostgreSQL answered a moment ago");
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .expect("creating a test database");
    // Without TLS on the loopback: a pool's or listener's thread inside OpenSSL while the test
    // process exits (its exit handlers free what that thread uses) crashed tests that had
    // passed, by SIGSEGV, now and then under load.
    let url = format!("{}/{}?sslmode=disable", server_url().trim_end_matches('/'), name);
    Some(PgTestDatabase { name, url })
}
