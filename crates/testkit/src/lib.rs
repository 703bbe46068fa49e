//! Support for tests: real databases, a real SMTP server, and an in-memory store that keeps the
//! storage contract (checked by the same contract suite as the real backends).
//!
//! PostgreSQL: every test gets a database of its own (`clientele_test_…`), dropped when the
//! handle is dropped. When the server is not reachable, the kit starts the local cluster with
//! `pg_ctlcluster`; if it still cannot connect it says so loudly, and under `CI=true` it fails
//! the test instead of skipping it.
//!
//! Skipping: a test that returns early because what it needs is missing still passes for
//! cargo. [`record_skip`] (called by [`postgres_database`] when it returns `None`) writes the
//! test down in the file named by `CLIENTELE_TEST_SKIP_LOG`, which `scripts/test.sh` sets and
//! reads to count such tests as skipped rather than passed.

pub use clientele_fakes::memory_store;
mod postgres;
pub mod sms;
pub mod smtp;

pub use clientele_fakes::MemoryStore;
pub use postgres::{postgres_database, PgTestDatabase};
pub use sms::SmsSink;
pub use smtp::{free_port, silent_smtp_server, stalling_smtp_server, DownSmtp, ReceivedMail, SmtpSink};

use std::io::Write;

/// Environment variable naming the file where skipped tests are written down.
pub const SKIP_LOG_VAR: &str = "CLIENTELE_TEST_SKIP_LOG";

/// Records that the running test skips (part of) its work for `reason`: appends the line
/// `<test name>\t<reason>\t<test binary>` to the file named by `CLIENTELE_TEST_SKIP_LOG`, if
/// set. The test name is the current thread's, which cargo's test harness sets to the test's
/// path (`#[tokio::test]` runs its body on that thread). Call it on the test's own thread.
pub fn record_skip(reason: &str) {
    let Some(path) = std::env::var_os(SKIP_LOG_VAR) else {
        return;
    };
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("<unnamed test thread>");
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let line = format!("{test}\t{}\t{binary}\n", reason.replace(['\t', '\n'], " "));
    // One write of one short line to a file opened for appending: lines from tests running at
    // once, in this process or another, do not interleave.
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!(
            "cannot record the skip of {test} in {}: {e}",
            path.to_string_lossy()
        );
    }
}
