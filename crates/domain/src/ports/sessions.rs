use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::account::{Account, AccountUuid};
use crate::audit::AuditEntry;
use crate::session::{Session, SessionId};
use crate::tenant::TenantId;
use crate::values::PasswordHash;

/// Signed-in sessions.
///
/// Errors: `Duplicate(Id)` if a session id is reused, `Unavailable` for everything else.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Opens `session` if its account may still sign in and, when `password` is given, still
    /// has that password hash (the one the sign-in checked); `false`, nothing written, if not.
    /// The check and the write are one transaction that holds the account against a closing,
    /// a password change or a reset committing meanwhile: that change either sees the session
    /// (and revokes it) or comes first (and the session is refused). `audit` is appended with
    /// the session.
    async fn create(
        &self,
        session: &Session,
        password: Option<PasswordHash>,
        audit: &[AuditEntry],
    ) -> Result<bool, StoreError>;

    /// The session with its account, if the session is neither revoked nor expired at `now`.
    /// One round trip: this runs on every authenticated request.
    async fn find_active(
        &self,
        id: SessionId,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, Account)>, StoreError>;

    /// Revokes one session; `false` if it was not active.
    async fn revoke(&self, id: SessionId, now: OffsetDateTime) -> Result<bool, StoreError>;

    /// Revokes every active session of the account except `keep`; returns how many.
    async fn revoke_all(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        keep: Option<SessionId>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError>;

    /// The account's most recent session still live at `now`, if any.
    async fn latest_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError>;

    /// Every session of the account live at `now`, newest first.
    async fn list_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<Vec<Session>, StoreError>;

    /// Records that the tenant's session `id` was used at `now`, if it was last seen before
    /// `seen_before` (so that instances touching one session write it about once). Changes
    /// nothing a principal depends on: no instance has to forget the session for it.
    async fn touch(
        &self,
        tenant: &TenantId,
        id: SessionId,
        now: OffsetDateTime,
        seen_before: OffsetDateTime,
    ) -> Result<(), StoreError>;

    async fn count_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError>;
}
