//! The back office's tenants: create, read, rename, configure.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use time::{Duration, OffsetDateTime};

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
    /// Every tenant's display name, as read at a time (see [`Tenants::display_name`]).
    names: RwLock<Option<(OffsetDateTime, Arc<Names>)>>,
    /// Whether a request is reading the names anew (the others use the names as they were).
    reading_names: AtomicBool,
}

/// Every tenant's display name.
type Names = HashMap<TenantId, String>;

/// A read of the names under way: over when dropped.
struct ReadingNames<'a>(&'a AtomicBool);

impl Drop for ReadingNames<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// How long the tenants' names are shown as read: a rename on another instance shows within it.
const NAMES_TTL: Duration = Duration::seconds(60);

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
            names: RwLock::new(None),
            reading_names: AtomicBool::new(false),
        }
    }

    /// The display name of the tenant `id` names, for pages anyone may open: from memory, the
    /// whole (small) set of tenants read at most once a minute and anew after a change on this
    /// instance. An unknown or malformed id costs nothing. `None` also while the names cannot
    /// be read (a page does without its tenant's name).
    pub async fn display_name(&self, id: &str) -> Option<String> {
        let id = TenantId::parse(id)?;
        let now = self.clock.now();
        let held = self.names.read().unwrap_or_else(|p| p.into_inner()).clone();
        let fresh = held.as_ref().is_some_and(|(read, _)| now - *read < NAMES_TTL);
        // One request reads them anew; the others meanwhile use the names as they were.
        let names = match held {
            Some((_, names)) if fresh || self.reading_names.swap(true, Ordering::AcqRel) => names,
            _ => {
                // Cleared however the read ends, a dropped request included.
                self.reading_names.store(true, Ordering::Release);
                let _reading = ReadingNames(&self.reading_names);
                let read = self.tenants.list_tenants().await;
                let names: Arc<Names> = Arc::new(read.ok()?.into_iter().map(|t| (t.id, t.name)).collect());
                *self.names.write().unwrap_or_else(|p| p.into_inner()) = Some((now, names.clone()));
                names
            }
        };
        names.get(&id).cloned()
    }

    /// Forgets the names as read: this instance changed a tenant.
    fn names_changed(&self) {
        *self.names.write().unwrap_or_else(|p| p.into_inner()) = None;
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
        let inserted = self.tenants.insert_tenant(&tenant).await;
        self.names_changed();
        match inserted {
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
                self.names_changed();
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

    fn tenant(id: &str, name: &str) -> Tenant {
        Tenant {
            id: TenantId::parse(id).unwrap(),
            name: name.into(),
            settings: TenantSettings::default(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    /// Pages anyone may open show the tenant's name: random ids must not cost a read each.
    #[tokio::test]
    async fn display_names_come_from_memory_and_unknown_ids_cost_nothing() {
        let mut repo = MockTenantRepository::new();
        let mut order = mockall::Sequence::new();
        repo.expect_list_tenants()
            .times(1)
            .in_sequence(&mut order)
            .returning(|| Ok(vec![tenant("acme", "Acme")]));
        repo.expect_insert_tenant()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(()));
        repo.expect_list_tenants()
            .times(1)
            .in_sequence(&mut order)
            .returning(|| Ok(vec![tenant("acme", "Acme"), tenant("beta", "Beta")]));
        let tenants = service(repo);
        for _ in 0..3 {
            assert_eq!(tenants.display_name("acme").await.as_deref(), Some("Acme"));
            for unknown in ["nobody", "x1", "../x", ""] {
                assert_eq!(tenants.display_name(unknown).await, None, "{unknown}");
            }
        }
        // A tenant made here is shown at once.
        tenants.create("beta", "Beta").await.unwrap();
        assert_eq!(tenants.display_name("beta").await.as_deref(), Some("Beta"));
        assert_eq!(tenants.display_name("acme").await.as_deref(), Some("Acme"));
    }
}
