//! Deletion requests and the audit trail.

use super::*;

#[async_trait]
impl clientele_domain::ports::DeletionRequestRepository for MemoryStore {
    async fn list_requests(
        &self,
        tenant: &TenantId,
        status: Option<clientele_domain::deletion_request::DeletionStatus>,
        account: Option<clientele_domain::account::AccountUuid>,
        limit: i64,
    ) -> Result<Vec<clientele_domain::deletion_request::DeletionRequest>, StoreError> {
        let mut found: Vec<_> = self
            .state()
            .deletion_requests
            .iter()
            .filter(|r| &r.tenant == tenant && status.is_none_or(|s| r.status == s))
            .filter(|r| account.is_none_or(|a| r.account == a))
            .cloned()
            .collect();
        found.sort_by_key(|r| (r.created_at, r.id.0));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn find_request(
        &self,
        tenant: &TenantId,
        id: clientele_domain::deletion_request::DeletionRequestId,
    ) -> Result<Option<clientele_domain::deletion_request::DeletionRequest>, StoreError> {
        Ok(self
            .state()
            .deletion_requests
            .iter()
            .find(|r| &r.tenant == tenant && r.id == id)
            .cloned())
    }

    async fn has_pending(&self, tenant: &TenantId, account: AccountUuid) -> Result<bool, StoreError> {
        Ok(self.state().deletion_requests.iter().any(|r| {
            &r.tenant == tenant
                && r.account == account
                && r.status == clientele_domain::deletion_request::DeletionStatus::Pending
        }))
    }
}

#[async_trait]
impl clientele_domain::ports::AuditLog for MemoryStore {
    async fn append(&self, entry: &clientele_domain::audit::AuditEntry) -> Result<(), StoreError> {
        self.state().audit.push(entry.clone());
        Ok(())
    }

    async fn list_audit(
        &self,
        tenant: &TenantId,
        account: Option<AccountUuid>,
        kind: Option<clientele_domain::audit::AuditKind>,
        limit: i64,
    ) -> Result<Vec<clientele_domain::audit::AuditEntry>, StoreError> {
        let mut found: Vec<_> = self
            .state()
            .audit
            .iter()
            .filter(|e| &e.tenant == tenant)
            .filter(|e| account.is_none_or(|a| e.account == a))
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .cloned()
            .collect();
        found.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }
}
