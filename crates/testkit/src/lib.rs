//! Support for tests: real databases, a real SMTP server, and an in-memory store that keeps the
//! storage contract (checked by the same contract suite as the real backends).
//!
//! PostgreSQL: every test gets a database of its own (`clientele_test_…`), dropped when the
//! handle is dropped. When the server is not reachable, the kit starts the local cluster with
//! `pg_ctlcluster`; if it still cannot connect it says so loudly, and under `CI=true` it fails
//! the test instead of skipping it.

pub mod memory_store;
mod postgres;
pub mod smtp;

pub use memory_store::MemoryStore;
pub use postgres::{postgres_database, PgTestDatabase};
pub use smtp::{free_port, stalling_smtp_server, ReceivedMail, SmtpSink};
