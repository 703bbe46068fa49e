//! Storage for Clientele: one diesel codebase serving PostgreSQL (production) and SQLite (the
//! embedded default), chosen at run time by the database URL. (The in-memory fake with the same
//! contract lives in the test kit: nothing in production uses it.)

mod accounts;
mod audit;
mod blocking;
mod change_follower;
mod connection;
mod database;
mod deletion_requests;
mod errors;
mod flow_rows;
mod flows;
mod gate;
mod group_commit;
mod imports;
mod lone_edit;
mod loyalty;
mod memory;
mod message_templates;
mod migrations;
mod outbox;
mod prepared;
mod principal_cache;
mod remembered;
mod rows;
mod schema;
mod secrets;
mod sessions;
mod snapshot;
mod tenants;
#[cfg(test)]
mod test_queries;
#[cfg(test)]
mod test_values;
mod transaction;
mod unit_of_work;
mod webhook_rows;
mod webhooks;

pub use connection::{Backend, DatabaseUrl};
pub use database::{Database, OpenError};
