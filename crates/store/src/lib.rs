//! Storage for Clientele: one diesel codebase serving PostgreSQL (production) and SQLite (the
//! embedded default), chosen at run time by the database URL; and an in-memory fake with the
//! same contract for tests.

mod accounts;
mod blocking;
mod connection;
mod database;
mod errors;
pub mod memory;
mod migrations;
mod rows;
mod schema;
mod secrets;
mod sessions;

pub use connection::{Backend, DatabaseUrl};
pub use database::{Database, OpenError};
