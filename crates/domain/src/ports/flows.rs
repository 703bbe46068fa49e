use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::account::AccountUuid;
use crate::flow::{Flow, FlowId, Purpose};
use crate::tenant::TenantId;

/// Flows of emailed or texted secrets. Writes go through [`super::UnitOfWork`]; these are the
/// reads and the two atomic steps of checking a secret.
///
/// Errors: `Unavailable` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait FlowRepository: Send + Sync {
    async fn find(&self, tenant: &TenantId, id: FlowId) -> Result<Option<Flow>, StoreError>;

    /// The open (pending or locked) flow of the account for `purpose`, if any.
    async fn find_open(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        purpose: Purpose,
    ) -> Result<Option<Flow>, StoreError>;

    /// The account's email change waiting for its key, for showing it: [`Self::find_open`]
    /// for `Purpose::EmailChange`, possibly as memory holds it (every write of an account's
    /// email change forgets it, on every instance). Its count of tries may be behind: never
    /// decide on it.
    async fn waiting_email_change(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
    ) -> Result<Option<Flow>, StoreError>;

    /// Counts one try, atomically, if the flow is pending, unexpired at `now` and has tries
    /// left; the try that uses up the last one also locks the flow in the same write (so a
    /// right last try whose commit then fails leaves the flow locked, not open). Returns the
    /// flow as it is after counting, or `None` if the try was not counted.
    async fn register_attempt(
        &self,
        tenant: &TenantId,
        id: FlowId,
        now: OffsetDateTime,
    ) -> Result<Option<Flow>, StoreError>;
}
