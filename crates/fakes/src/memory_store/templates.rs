//! Tenants' own message templates.

use clientele_domain::messages::{Language, MessageKind, StoredTemplate};
use clientele_domain::ports::MessageTemplates;

use super::*;

#[async_trait]
impl MessageTemplates for MemoryStore {
    async fn templates_of_kind(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
    ) -> Result<Vec<StoredTemplate>, StoreError> {
        Ok(self
            .state()
            .templates
            .values()
            .filter(|t| &t.tenant == tenant && t.kind == kind)
            .cloned()
            .collect())
    }

    async fn list_templates(&self, tenant: &TenantId) -> Result<Vec<StoredTemplate>, StoreError> {
        Ok(self
            .state()
            .templates
            .values()
            .filter(|t| &t.tenant == tenant)
            .cloned()
            .collect())
    }

    async fn put_template(&self, template: &StoredTemplate) -> Result<(), StoreError> {
        let key = (template.tenant.clone(), template.kind, template.language.clone());
        self.state().templates.insert(key, template.clone());
        Ok(())
    }

    async fn delete_template(
        &self,
        tenant: &TenantId,
        kind: MessageKind,
        language: &Language,
    ) -> Result<bool, StoreError> {
        let key = (tenant.clone(), kind, language.clone());
        Ok(self.state().templates.remove(&key).is_some())
    }
}
