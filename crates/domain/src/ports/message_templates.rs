use async_trait::async_trait;

use super::StoreError;
use crate::messages::{Language, MessageKind, StoredTemplate};
use crate::tenant::TenantId;

/// Tenants' own message templates.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MessageTemplates: Send + Sync {
    /// `tenant`'s templates of `kind`, in every language it wrote one for.
    async fn templates_of_kind(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
    ) -> Result<Vec<StoredTemplate>, StoreError>;

    /// Every template `tenant` wrote, by kind and language.
    async fn list_templates(&self, tenant: &TenantId) -> Result<Vec<StoredTemplate>, StoreError>;

    /// Stores `template`, replacing the tenant's template of its kind and language.
    async fn put_template(&self, template: &StoredTemplate) -> Result<(), StoreError>;

    /// Removes the tenant's template of `kind` in `language`; whether there was one.
    async fn delete_template(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
    ) -> Result<bool, StoreError>;
}
