//! Flows, and the unit of work that commits them with everything else.

use super::*;

#[async_trait]
impl UnitOfWork for MemoryStore {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        let mut state = self.state();
        // All or nothing: apply to a copy, keep it only if every write succeeded.
        let mut next = state.clone();
        next.apply(&commit)?;
        *state = next;
        Ok(())
    }
}

#[async_trait]
impl FlowRepository for MemoryStore {
    async fn find(&self, tenant: &TenantId, id: FlowId) -> Result<Option<Flow>, StoreError> {
        Ok(self
            .state()
            .flows
            .get(&id)
            .filter(|f| &f.tenant == tenant)
            .cloned())
    }

    async fn find_open(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        purpose: Purpose,
    ) -> Result<Option<Flow>, StoreError> {
        Ok(self
            .state()
            .flows
            .values()
            .find(|f| &f.tenant == tenant && f.account == account && f.purpose == purpose && is_open(f))
            .cloned())
    }

    async fn waiting_email_change(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
    ) -> Result<Option<Flow>, StoreError> {
        self.find_open(tenant, account, Purpose::EmailChange).await
    }

    async fn register_attempt(
        &self,
        tenant: &TenantId,
        id: FlowId,
        now: OffsetDateTime,
    ) -> Result<Option<Flow>, StoreError> {
        let mut state = self.state();
        let Some(flow) = state.flows.get_mut(&id).filter(|f| &f.tenant == tenant) else {
            return Ok(None);
        };
        if flow.status != FlowStatus::Pending || flow.attempts >= flow.max_attempts || flow.expires_at <= now
        {
            return Ok(None);
        }
        flow.attempts += 1;
        flow.updated_at = now;
        if flow.attempts >= flow.max_attempts {
            flow.status = FlowStatus::Locked;
        }
        Ok(Some(flow.clone()))
    }
}
