//! The back office: customers found, looked up, created and corrected; tenants and their apps' keys;
//! the audit trail and the outbox as an operator reads them.

mod api_keys;
mod audit_view;
mod customers;
mod outbox_view;
mod search;
mod tenants;

pub use api_keys::{ApiKeys, IssuedKey};
pub use audit_view::AuditView;
pub use customers::{CustomerRef, Customers, NewCustomer};
pub use outbox_view::OutboxView;
pub use search::{CustomerSearch, SearchPage, SearchRequest, PAGE_LIMIT};
pub use tenants::Tenants;
