//! The back office's tenants: create, read, rename, configure.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use crate::error::DomainError;
use crate::ports::{Clock, StoreError, TenantRepository, UniqueKey};
use crate::tenant::{checked_name, Tenant, TenantChange, TenantId, TenantSettings};
use crate::FieldErrors;

pub struct Tenants {
    tenants: Arc<dyn TenantRepository>,
    clock: Arc<dyn Clock>,
    /// Tenants known to exist. Tenants are never deleted, so a tenant seen once is remembered
    /// (every request names one); an unknown id is asked of the database each time, so a
    /// tenant created on another instance is found at once.
    known: RwLock<HashSet<TenantId>>,
}

/// Most tenant ids remembered; past it the set starts over.
const KNOWN: usize = 10_000;
/// How often a change is decided again after losing a race.
const ATTEMPTS: usize = 8;

impl Tenants {
    pub fn new(tenants: Arc<dyn TenantRepository>, clock: Arc<dyn Clock>) -> Self {
        Tenants {
            tenants,
            clock,
            known: RwLock::new(HashSet::from([TenantId::default_tenant()])),
        }
    }

    /// A new tenant with the instance's settings; `Conflict` when the id is taken.
    pub async fn create(&self, id: &str, name: &str) -> Result<Tenant, DomainError> {
        let mut errors = FieldErrors::new();
        let id = TenantId::checked(id).map_err(|e| errors.extend(e)).ok();
        let name = checked_name(name).map_err(|e| errors.extend(e)).ok();
        let (Some(id), Some(name)) = (id, name) else {
            return Err(DomainError::Invalid(errors));
        };
        let tenant = Tenant {
            id,
            name,
            settings: TenantSettings::default(),
            created_at: self.clock.now(),
        };
        match self.tenants.insert_tenant(&tenant).await {
            Err(StoreError::Duplicate(UniqueKey::Id)) => Err(DomainError::Conflict(format!(
                "the tenant {} exists already",
                tenant.id
            ))),
            other => other.map(|()| tenant).map_err(DomainError::from),
        }
    }

    pub async fn list(&self) -> Result<Vec<Tenant>, DomainError> {
        Ok(self.tenants.list_tenants().await?)
    }

    /// The tenant; `NotFound` for an id that is not one.
    pub async fn get(&self, id: &str) -> Result<Tenant, DomainError> {
        let Some(id) = TenantId::parse(id) else {
            return Err(DomainError::NotFound);
        };
        self.tenants.get_tenant(&id).await?.ok_or(DomainError::NotFound)
    }

    /// Whether `id` names a tenant of this instance.
    pub async fn exists(&self, id: &TenantId) -> Result<bool, DomainError> {
        if self.known.read().unwrap_or_else(|p| p.into_inner()).contains(id) {
            return Ok(true);
        }
        let found = self.tenants.get_tenant(id).await?.is_some();
        if found {
            let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
            if known.len() >= KNOWN {
                known.clear();
                known.insert(TenantId::default_tenant());
            }
            known.insert(id.clone());
        }
        Ok(found)
    }

    /// Applies `change` to the tenant (all of it or, on a field error, none of it). Two changes
    /// at once are both kept: one that finds the tenant changed since it read it reads it again.
    pub async fn change(&self, id: &str, change: TenantChange) -> Result<Tenant, DomainError> {
        for _ in 0..ATTEMPTS {
            let current = self.get(id).await?;
            let changed = current.apply(change.clone())?;
            if self.tenants.update_tenant(&current, &changed).await? {
                return Ok(changed);
            }
        }
        Err(DomainError::Conflict(
            "the tenant kept changing concurrently; try again".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockClock, MockTenantRepository};

    fn service(repo: MockTenantRepository) -> Tenants {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(time::OffsetDateTime::UNIX_EPOCH);
        Tenants::new(Arc::new(repo), Arc::new(clock))
    }

    #[tokio::test]
    async fn a_taken_id_is_a_conflict_and_bad_input_writes_nothing() {
        let mut repo = MockTenantRepository::new();
        repo.expect_insert_tenant()
            .times(1)
            .returning(|_| Err(StoreError::Duplicate(UniqueKey::Id)));
        let tenants = service(repo);
        assert!(matches!(
            tenants.create("acme", "Acme").await,
            Err(DomainError::Conflict(_))
        ));
        let Err(DomainError::Invalid(errors)) = tenants.create("Not A Slug", " ").await else {
            panic!("invalid input accepted");
        };
        assert_eq!(errors.iter().count(), 2);
    }

    #[tokio::test]
    async fn a_known_tenant_is_remembered_an_unknown_one_asked_again() {
        let mut repo = MockTenantRepository::new();
        repo.expect_get_tenant()
            .withf(|id| id.as_str() == "acme")
            .times(1)
            .returning(|id| {
                Ok(Some(Tenant {
                    id: id.clone(),
                    name: "Acme".into(),
                    settings: TenantSettings::default(),
                    created_at: time::OffsetDateTime::UNIX_EPOCH,
                }))
            });
        repo.expect_get_tenant()
            .withf(|id| id.as_str() == "nobody")
            .times(2)
            .returning(|_| Ok(None));
        let tenants = service(repo);
        let (acme, nobody) = (
            TenantId::parse("acme").unwrap(),
            TenantId::parse("nobody").unwrap(),
        );
        for _ in 0..2 {
            assert!(tenants.exists(&acme).await.unwrap());
            assert!(!tenants.exists(&nobody).await.unwrap());
        }
        assert!(
            tenants.exists(&TenantId::default_tenant()).await.unwrap(),
            "never asked"
        );
    }

    #[tokio::test]
    async fn an_unknown_or_malformed_id_is_not_found() {
        let mut repo = MockTenantRepository::new();
        repo.expect_get_tenant().returning(|_| Ok(None));
        let tenants = service(repo);
        assert!(matches!(tenants.get("nobody").await, Err(DomainError::NotFound)));
        assert!(matches!(tenants.get("../x").await, Err(DomainError::NotFound)));
    }
}
