//! Delivery: sending what the outbox holds.

mod outbox_sending;

pub use outbox_sending::{BatchReport, Delivery, DeliverySettings, Senders};
