//! The audit trail as the back office reads it.

use std::sync::Arc;

use crate::account::AccountUuid;
use crate::audit::{AuditEntry, AuditKind};
use crate::error::DomainError;
use crate::ports::AuditLog;
use crate::tenant::TenantId;

pub struct AuditView {
    log: Arc<dyn AuditLog>,
}

impl AuditView {
    pub fn new(log: Arc<dyn AuditLog>) -> Self {
        AuditView { log }
    }

    /// The tenant's entries, newest first, optionally of one account and one kind.
    pub async fn list(
        &self,
        tenant: &TenantId,
        account: Option<AccountUuid>,
        kind: Option<AuditKind>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, DomainError> {
        Ok(self.log.list_audit(tenant, account, kind, limit).await?)
    }
}
