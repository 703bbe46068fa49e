//! The account repository.

use super::*;
use clientele_domain::values::PasswordHash;

#[async_trait]
impl AccountRepository for MemoryStore {
    async fn insert(&self, account: &Account) -> Result<(), StoreError> {
        self.state().insert_account(account)
    }

    async fn find_by_uuid(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self.state().account_in(tenant, uuid).cloned())
    }

    async fn find_by_public_id(
        &self,
        tenant: &TenantId,
        id: PublicId,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self
            .state()
            .accounts
            .values()
            .find(|a| &a.tenant == tenant && a.public_id == id)
            .cloned())
    }

    async fn find_by_phone(&self, tenant: &TenantId, phone: &str) -> Result<Option<Account>, StoreError> {
        Ok(self
            .state()
            .accounts
            .values()
            .find(|a| &a.tenant == tenant && a.profile.phone.as_ref().is_some_and(|p| p.as_str() == phone))
            .cloned())
    }

    async fn search(
        &self,
        query: &clientele_domain::customer_search::CustomerQuery,
    ) -> Result<Vec<Account>, StoreError> {
        let mut found: Vec<Account> = self
            .state()
            .accounts
            .values()
            .filter(|a| query.admits(a))
            .cloned()
            .collect();
        found.sort_by_key(|a| std::cmp::Reverse((a.created_at, a.public_id.0)));
        found.truncate(usize::try_from(query.limit).unwrap_or_default());
        Ok(found)
    }

    async fn find_by_email(
        &self,
        tenant: &TenantId,
        normalized_email: &str,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self
            .state()
            .accounts
            .values()
            .find(|a| {
                &a.tenant == tenant
                    && a.email
                        .as_ref()
                        .is_some_and(|e| e.normalized() == normalized_email)
            })
            .cloned())
    }

    async fn update(&self, account: &Account) -> Result<Account, StoreError> {
        self.state().update_account(account)
    }

    async fn record_sign_in_failure(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        audit: &clientele_domain::audit::AuditEntry,
    ) -> Result<i32, StoreError> {
        let mut state = self.state();
        let account = state
            .account_in_mut(tenant, uuid)
            .ok_or_else(|| StoreError::Unavailable("no such account".into()))?;
        // Not for an account erased meanwhile: its entries keep no client address.
        if account.status == clientele_domain::account::AccountStatus::Erased {
            return Ok(account.sign_in.failures);
        }
        account.sign_in.failures += 1;
        account.version += 1;
        let failures = account.sign_in.failures;
        state.audit.push(audit.clone());
        Ok(failures)
    }

    async fn lock_sign_in(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        until: OffsetDateTime,
        audit: &clientele_domain::audit::AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if let Some(account) = state
            .account_in_mut(tenant, uuid)
            .filter(|a| a.status != clientele_domain::account::AccountStatus::Erased)
        {
            account.sign_in.locked_until = Some(until);
            account.version += 1;
            state.audit.push(audit.clone());
        }
        Ok(())
    }

    async fn reset_sign_in_failures(&self, tenant: &TenantId, uuid: AccountUuid) -> Result<(), StoreError> {
        if let Some(account) = self.state().account_in_mut(tenant, uuid) {
            account.sign_in = Default::default();
            account.version += 1;
        }
        Ok(())
    }

    async fn replace_password_hash(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        from: &PasswordHash,
        to: &PasswordHash,
    ) -> Result<bool, StoreError> {
        match self.state().account_in_mut(tenant, uuid) {
            Some(account) if account.password_hash.as_ref() == Some(from) => {
                account.password_hash = Some(to.clone());
                account.version += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
