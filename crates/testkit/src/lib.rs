//! Support for tests that need real databases.
//!
//! PostgreSQL: every test gets a database of its own (`clientele_test_…`), dropped when the
//! handle is dropped. When the server is not reachable, the kit starts the local cluster with
//! `pg_ctlcluster`; if it still cannot connect it says so loudly, and under `CI=true` it fails
//! the test instead of skipping it.

mod postgres;
pub mod smtp;

pub use postgres::{postgres_database, PgTestDatabase};
pub use smtp::{free_port, ReceivedMail, SmtpSink};
