use async_trait::async_trait;

use super::{StoreError, UniqueKey};
use crate::account::{Account, AccountUuid};
use crate::audit::AuditEntry;
use crate::imports::{ImportId, ImportRecord};
use crate::tenant::TenantId;
use crate::webhooks::Event;

/// Where one account of an import batch went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    Imported,
    /// Nothing written: the tenant has an account with this email or external id.
    Existing(Existing),
    /// Nothing written: another account of the tenant holds this key.
    Taken(UniqueKey),
}

/// The account an import line's email (or, failing that, its external id) names, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub uuid: AccountUuid,
    /// That account's external id.
    pub external_id: Option<String>,
    /// Whether the email named it (else the external id did).
    pub by_email: bool,
    /// The other account the line's external id names, when it is not this one.
    pub other: Option<AccountUuid>,
}

/// Customers moved in by the batch, and the records of import runs.
///
/// Errors: `Unavailable`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait CustomerImports: Send + Sync {
    /// Stores, in one transaction, each of `accounts` (all of `tenant`) whose email and external
    /// id the tenant does not have yet, and says per account (in order) where it went. With
    /// `keep` false the transaction is rolled back (a dry run: what would happen, nothing
    /// written). No event, message or audit entry is written.
    async fn insert_new(
        &self,
        tenant: &TenantId,
        accounts: &[Account],
        keep: bool,
    ) -> Result<Vec<Placed>, StoreError>;

    /// Saves `record` as it stands (created the first time).
    async fn save(&self, record: &ImportRecord) -> Result<(), StoreError>;

    /// Saves the finished `record` with its `audit` entry and `events`, in one transaction.
    async fn finish(
        &self,
        record: &ImportRecord,
        audit: &AuditEntry,
        events: &[Event],
    ) -> Result<(), StoreError>;

    async fn find(&self, tenant: &TenantId, id: ImportId) -> Result<Option<ImportRecord>, StoreError>;

    /// The tenant's latest runs, newest first, at most `limit`.
    async fn recent(&self, tenant: &TenantId, limit: i64) -> Result<Vec<ImportRecord>, StoreError>;
}
