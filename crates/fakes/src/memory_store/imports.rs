//! Customer imports, held in memory: the same placing as the database's, account by account.

use clientele_domain::imports::{ImportId, ImportRecord};
use clientele_domain::ports::{CustomerImports, Existing, Placed};
use clientele_domain::webhooks::Event;

use super::*;

impl State {
    /// The account `account`'s email (or, failing that, its external id) names, as the
    /// database tells it.
    fn existing(&self, account: &Account) -> Option<Existing> {
        let of_tenant = || self.accounts.values().filter(|a| a.tenant == account.tenant);
        let email = account.email.as_ref().map(|e| e.normalized());
        let by_email = of_tenant().find(|a| a.email.as_ref().map(|e| e.normalized()) == email);
        let by_external =
            of_tenant().find(|a| account.external_id.is_some() && a.external_id == account.external_id);
        let found = by_email.or(by_external)?;
        Some(Existing {
            uuid: found.uuid,
            external_id: found.external_id.clone(),
            by_email: by_email.is_some(),
            other: by_external.map(|a| a.uuid).filter(|other| *other != found.uuid),
        })
    }
}

#[async_trait]
impl CustomerImports for MemoryStore {
    async fn insert_new(
        &self,
        tenant: &TenantId,
        accounts: &[Account],
        keep: bool,
    ) -> Result<Vec<Placed>, StoreError> {
        let mut state = self.state();
        let before = (!keep).then(|| state.accounts.clone());
        let placed = accounts
            .iter()
            .map(|account| {
                debug_assert_eq!(&account.tenant, tenant);
                if let Some(found) = state.existing(account) {
                    return Placed::Existing(found);
                }
                match state.insert_account(account) {
                    Ok(()) => Placed::Imported,
                    Err(StoreError::Duplicate(key)) => Placed::Taken(key),
                    Err(_) => Placed::Taken(clientele_domain::ports::UniqueKey::Id),
                }
            })
            .collect();
        if let Some(before) = before {
            state.accounts = before;
        }
        Ok(placed)
    }

    async fn save(&self, record: &ImportRecord) -> Result<(), StoreError> {
        let mut state = self.state();
        state
            .imports
            .retain(|r| !(r.tenant == record.tenant && r.id == record.id));
        state.imports.push(record.clone());
        Ok(())
    }

    async fn finish(
        &self,
        record: &ImportRecord,
        audit: &clientele_domain::audit::AuditEntry,
        events: &[Event],
    ) -> Result<(), StoreError> {
        self.save(record).await?;
        let mut state = self.state();
        state.audit.push(audit.clone());
        state.webhooks.announce(events);
        Ok(())
    }

    async fn find(&self, tenant: &TenantId, id: ImportId) -> Result<Option<ImportRecord>, StoreError> {
        Ok(self
            .state()
            .imports
            .iter()
            .find(|r| &r.tenant == tenant && r.id == id)
            .cloned())
    }

    async fn recent(&self, tenant: &TenantId, limit: i64) -> Result<Vec<ImportRecord>, StoreError> {
        let mut records: Vec<ImportRecord> = self
            .state()
            .imports
            .iter()
            .filter(|r| &r.tenant == tenant)
            .cloned()
            .collect();
        records.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.0.cmp(&a.id.0)));
        records.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(records)
    }
}
