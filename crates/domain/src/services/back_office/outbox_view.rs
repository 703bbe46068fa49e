//! The outbox as the back office reads it: what was sent, what waits, what was given up, with
//! every secret masked.

use std::sync::Arc;

use crate::error::DomainError;
use crate::message::{DeliveryStatus, StoredMessage};
use crate::ports::Outbox;
use crate::tenant::TenantId;

pub struct OutboxView {
    outbox: Arc<dyn Outbox>,
}

impl OutboxView {
    pub fn new(outbox: Arc<dyn Outbox>) -> Self {
        OutboxView { outbox }
    }

    /// The tenant's messages, newest first, optionally of one status.
    pub async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, DomainError> {
        Ok(self.outbox.list(tenant, status, None, limit).await?)
    }
}
