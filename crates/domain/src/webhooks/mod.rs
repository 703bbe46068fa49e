//! Events out: what a tenant's own systems hear about its customers, signed and retried as the
//! Standard Webhooks specification describes, from the same transaction as the change.

mod address;
mod delivery;
mod endpoint;
mod event;

pub use address::{UrlPolicy, UrlRefusal, WebhookUrl};
pub use delivery::{
    Attempt, DeliveryId, DeliveryStatus, Disabling, DueDelivery, FailedDelivery, Retrying, WebhookDelivery,
};
pub use endpoint::{
    checked_description, field, Endpoint, EndpointChange, EventFilter, WebhookId, ROTATION_OVERLAP,
    SECRET_PREFIX,
};
pub use event::{Event, EventType, StoredEvent};

#[cfg(test)]
mod tests;
