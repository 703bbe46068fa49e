//! Tenants and their API keys.

use super::*;

#[async_trait]
impl TenantRepository for MemoryStore {
    async fn insert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.tenants.contains_key(&tenant.id) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        state.tenants.insert(tenant.id.clone(), tenant.clone());
        Ok(())
    }

    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        Ok(self.state().tenants.get(id).cloned())
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(self.state().tenants.values().cloned().collect())
    }

    async fn update_tenant(&self, current: &Tenant, next: &Tenant) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(stored) = state.tenants.get_mut(&next.id) else {
            return Ok(false);
        };
        if stored.name != current.name || stored.settings != current.settings {
            return Ok(false);
        }
        stored.name = next.name.clone();
        stored.settings = next.settings.clone();
        Ok(true)
    }
}

#[async_trait]
impl ApiKeyRepository for MemoryStore {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut state = self.state();
        if state
            .api_keys
            .iter()
            .any(|k| k.id == key.id || k.prefix == key.prefix)
        {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        state.api_keys.push(key.clone());
        Ok(())
    }

    async fn list_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, StoreError> {
        let mut keys: Vec<ApiKey> = self
            .state()
            .api_keys
            .iter()
            .filter(|k| &k.tenant == tenant)
            .cloned()
            .collect();
        keys.sort_by_key(|k| (k.created_at, k.id));
        Ok(keys)
    }

    async fn find_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError> {
        Ok(self.state().api_keys.iter().find(|k| k.prefix == prefix).cloned())
    }

    async fn revoke_key(
        &self,
        tenant: &TenantId,
        id: ApiKeyId,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(key) = state
            .api_keys
            .iter_mut()
            .find(|k| k.id == id && &k.tenant == tenant)
        else {
            return Ok(false);
        };
        key.revoked_at.get_or_insert(at);
        Ok(true)
    }

    async fn touch_key(&self, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError> {
        if let Some(key) = self.state().api_keys.iter_mut().find(|k| k.id == id) {
            if key.last_used_at.is_none_or(|last| last < at) {
                key.last_used_at = Some(at);
            }
        }
        Ok(())
    }
}
