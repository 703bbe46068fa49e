//! Moving customers in: an import run takes an earlier system's customers line by line (with
//! their password hashes, adopted as they are), skips those the tenant already has, refuses
//! what does not check out, and records what it did. Nothing is mailed (but invitations when
//! asked), no notice is sent and no webhook fires per customer: one audit entry and one
//! `import.completed` event per run.

mod candidate;
mod run;

use std::sync::Arc;

use crate::error::DomainError;
use crate::imports::{ImportCounts, ImportId, ImportRecord, ImportStatus};
use crate::ports::{CustomerImports, FirebaseScrypt, TenantRepository};
use crate::services::{Deps, Onboarding};
use crate::tenant::TenantId;
use crate::values::PhoneRegion;

pub use run::ImportRun;

/// How a run treats its lines.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Check everything, write nothing (not even the run's record).
    pub dry_run: bool,
    /// Customers the tenant has already get the profile fields the line gives, and its
    /// password hash while theirs is still an imported one.
    pub update: bool,
    /// Customers imported pending activation are mailed their activation invitation.
    pub invite: bool,
    /// The Firebase project's hash parameters, for Firebase scrypt hashes.
    pub firebase: Option<FirebaseScrypt>,
}

/// Import runs and their records.
pub struct Imports {
    deps: Deps,
    store: Arc<dyn CustomerImports>,
    tenants: Arc<dyn TenantRepository>,
    onboarding: Arc<Onboarding>,
    default_region: Option<PhoneRegion>,
}

impl Imports {
    pub fn new(
        deps: Deps,
        store: Arc<dyn CustomerImports>,
        tenants: Arc<dyn TenantRepository>,
        onboarding: Arc<Onboarding>,
        default_region: Option<PhoneRegion>,
    ) -> Self {
        Imports {
            deps,
            store,
            tenants,
            onboarding,
            default_region,
        }
    }

    /// Starts a run for `tenant` (`NotFound` if there is no such tenant); its record is saved
    /// at once unless it is a dry run.
    pub async fn start(
        &self,
        tenant: &TenantId,
        options: ImportOptions,
    ) -> Result<ImportRun<'_>, DomainError> {
        let found = self
            .tenants
            .get_tenant(tenant)
            .await?
            .ok_or(DomainError::NotFound)?;
        let region = found
            .settings
            .phone_region
            .as_deref()
            .and_then(PhoneRegion::parse)
            .or(self.default_region);
        let now = self.deps.clock.now();
        let record = ImportRecord {
            id: ImportId(self.deps.random.uuid()),
            tenant: tenant.clone(),
            dry_run: options.dry_run,
            status: ImportStatus::Running,
            started_at: now,
            progressed_at: now,
            finished_at: None,
            counts: ImportCounts::default(),
            refusals: Vec::new(),
        };
        if !options.dry_run {
            self.store.save(&record).await?;
        }
        Ok(ImportRun::new(self, record, options, region))
    }

    /// The record of run `id` of `tenant`, its status as of now.
    pub async fn find(&self, tenant: &TenantId, id: ImportId) -> Result<ImportRecord, DomainError> {
        let mut record = self.store.find(tenant, id).await?.ok_or(DomainError::NotFound)?;
        record.status = record.status_at(self.deps.clock.now());
        Ok(record)
    }

    /// The tenant's latest runs (their ids, to follow one), newest first.
    pub async fn recent(&self, tenant: &TenantId, limit: i64) -> Result<Vec<ImportRecord>, DomainError> {
        self.tenants
            .get_tenant(tenant)
            .await?
            .ok_or(DomainError::NotFound)?;
        let now = self.deps.clock.now();
        let mut records = self.store.recent(tenant, limit).await?;
        for record in &mut records {
            record.status = record.status_at(now);
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests;
