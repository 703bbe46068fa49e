use async_trait::async_trait;

use super::StoreError;
use crate::account::AccountUuid;
use crate::audit::{AuditEntry, AuditKind};
use crate::tenant::TenantId;

/// The audit trail. Entries of a change are written by its commit (see
/// [`super::Commit::audit`]); `append` serves events that change nothing else in one
/// transaction (a sign-in).
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// The tenant's entries, newest first, optionally of one account and one kind.
    async fn list_audit(
        &self,
        tenant: &TenantId,
        account: Option<AccountUuid>,
        kind: Option<AuditKind>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}

/// What the HTTP adapter knows of the request being served, for audit entries: its id (the log
/// carries it, so entries can be matched with log lines) and the client's address (as the
/// trusted proxies report it), and the device it came from. All are `None` outside a request.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait RequestContext: Send + Sync {
    fn request_id(&self) -> Option<String>;
    fn client_address(&self) -> Option<String>;
    /// The browser and system the client says it is (`Firefox on Windows 10`), if it says.
    fn device(&self) -> Option<String>;
}
