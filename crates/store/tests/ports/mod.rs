//! The storage ports' contract, one file per port: each case is a test of its own on the
//! in-memory fake, SQLite and PostgreSQL, each with a store of its own.

pub mod accounts;
pub mod back_office;
pub mod flows;
pub mod imports;
pub mod lifecycle;
pub mod loyalty;
pub mod outbox;
pub mod send_limit;
pub mod sessions;
pub mod templates;
pub mod tenants;
pub mod unit_of_work;
pub mod webhooks;

/// Every case, in an order that lets them share one database (the statement-plan tests run them
/// all on one): the send limit's pending messages would compete with the outbox's claims, so it
/// comes last.
pub fn all_cases() -> Vec<(&'static str, crate::support::Case)> {
    [
        accounts::CASES,
        sessions::CASES,
        tenants::CASES,
        flows::CASES,
        unit_of_work::CASES,
        lifecycle::CASES,
        outbox::CASES,
        back_office::CASES,
        loyalty::CASES,
        webhooks::CASES,
        imports::CASES,
        templates::CASES,
        send_limit::CASES,
    ]
    .into_iter()
    .flat_map(|cases| cases.iter().copied())
    .collect()
}
