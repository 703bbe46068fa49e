use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::api_key::{ApiKey, ApiKeyId};
use crate::tenant::{Tenant, TenantId};

/// Tenants and their settings.
///
/// Errors: `Duplicate(Id)` when inserting an id that exists; `Unavailable`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait TenantRepository: Send + Sync {
    async fn insert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError>;
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError>;
    /// Every tenant, by id.
    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError>;
    /// Replaces name and settings with `next`'s if they are still `current`'s; false when they
    /// changed meanwhile (or the tenant is gone): reload and decide again.
    async fn update_tenant(&self, current: &Tenant, next: &Tenant) -> Result<bool, StoreError>;
}

/// API keys, stored by prefix and digest.
///
/// Errors: `Duplicate(Id)` when the id or the prefix exists (a random collision: retry with
/// another); `Unavailable`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// The tenant's keys, revoked ones included, oldest first.
    async fn list_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, StoreError>;
    /// The key stored under `prefix`, whatever its tenant or state.
    async fn find_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError>;
    /// Marks the tenant's key revoked at `at` (once: a second call keeps the first time); false
    /// when the tenant has no such key.
    async fn revoke_key(
        &self,
        tenant: &TenantId,
        id: ApiKeyId,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError>;
    /// Records a use; only ever moves the time forward.
    async fn touch_key(&self, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError>;
}
