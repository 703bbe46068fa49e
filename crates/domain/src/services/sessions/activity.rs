//! The customer's own security events, from the audit trail: what happened, when, by whom
//! (themselves or the back office), from which device and which network, never the whole
//! address, never another account's entries, never a secret (entries hold none).

use time::OffsetDateTime;

use super::Sessions;
use crate::audit::{Actor, AuditKind};
use crate::error::{DomainError, FieldErrors};
use crate::services::Authenticated;
use crate::session::masked_address;

/// Most entries one call returns (and the default).
pub const ACTIVITY_LIMIT: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub kind: AuditKind,
    pub actor: Actor,
    pub at: OffsetDateTime,
    pub device: Option<String>,
    /// Masked (see [`masked_address`]).
    pub ip: Option<String>,
}

impl Sessions {
    /// The caller's latest `limit` events (1 to [`ACTIVITY_LIMIT`]), newest first.
    pub async fn activity(
        &self,
        who: &Authenticated,
        limit: Option<i64>,
    ) -> Result<Vec<ActivityEntry>, DomainError> {
        let limit = limit.unwrap_or(50);
        if !(1..=ACTIVITY_LIMIT).contains(&limit) {
            let message = format!("must be between 1 and {ACTIVITY_LIMIT}");
            return Err(FieldErrors::single("limit", message).into());
        }
        let entries = self
            .deps
            .audit
            .list_audit(&who.account.tenant, Some(who.account.uuid), None, limit)
            .await?;
        Ok(entries
            .into_iter()
            .map(|e| ActivityEntry {
                kind: e.kind,
                actor: e.actor,
                at: e.at,
                device: e.device,
                ip: e.client_address.as_deref().and_then(masked_address),
            })
            .collect())
    }
}
