//! Webhooks: the back office's endpoints, and delivering the events the commits wrote.

mod endpoints;
mod sending;

pub use endpoints::{CreatedEndpoint, EndpointInput, Webhooks};
pub use sending::{WebhookOutcome, WebhookSending, WebhookSettings};
