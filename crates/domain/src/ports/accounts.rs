use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::account::{Account, AccountUuid, PublicId};
use crate::audit::AuditEntry;
use crate::customer_search::CustomerQuery;
use crate::tenant::TenantId;
use crate::values::PasswordHash;

/// Accounts, always looked up within one tenant.
///
/// Errors: `Duplicate(Email | PublicId | Username | ReferralCode | Phone | Id)` when an insert
/// or update breaks uniqueness (`Id`: the uuid is taken; on SQLite, whose keys are not led by
/// the tenant, also when another tenant's account has it), `VersionMismatch` when `update` lost
/// a race, `Unavailable` for everything else.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send + Sync {
    /// Stores a new account exactly as given (its `version` is 0).
    async fn insert(&self, account: &Account) -> Result<(), StoreError>;

    async fn find_by_uuid(&self, tenant: &TenantId, uuid: AccountUuid)
        -> Result<Option<Account>, StoreError>;

    async fn find_by_public_id(&self, tenant: &TenantId, id: PublicId)
        -> Result<Option<Account>, StoreError>;

    /// Finds by the normalised (lower-cased) address.
    async fn find_by_email(
        &self,
        tenant: &TenantId,
        normalized_email: &str,
    ) -> Result<Option<Account>, StoreError>;

    /// Finds the tenant's account with this phone number (E.164).
    async fn find_by_phone(&self, tenant: &TenantId, phone: &str) -> Result<Option<Account>, StoreError>;

    /// The accounts `query` selects (see [`CustomerQuery::admits`]), newest first (creation
    /// time, then numeric id, descending), at most `query.limit`. Every key is served by an
    /// index: a prefix is a range from the prefix to [`CustomerQuery::prefix_end`].
    async fn search(&self, query: &CustomerQuery) -> Result<Vec<Account>, StoreError>;

    /// Writes every mutable field of `account` if the stored version is still
    /// `account.version`, and returns the account as stored (version incremented).
    async fn update(&self, account: &Account) -> Result<Account, StoreError>;

    /// Counts one more consecutive sign-in failure, atomically, and returns the new count;
    /// `audit` is appended in the same transaction. Like the two below, it moves the account's
    /// version on: a whole-account write decided on the account as read before cannot write
    /// the old count (or an older lock) back.
    async fn record_sign_in_failure(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        audit: &AuditEntry,
    ) -> Result<i32, StoreError>;

    /// Refuses sign-in until `until`; `audit` is appended in the same transaction.
    async fn lock_sign_in(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        until: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Forgets past failures and any lock after a successful sign-in.
    async fn reset_sign_in_failures(&self, tenant: &TenantId, uuid: AccountUuid) -> Result<(), StoreError>;

    /// Replaces the password hash `from` with `to` (moving the version on), only while the
    /// account still holds `from`; `false`, nothing written, if it no longer does.
    async fn replace_password_hash(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        from: &PasswordHash,
        to: &PasswordHash,
    ) -> Result<bool, StoreError>;
}
