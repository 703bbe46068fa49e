//! The customer's own security events, from the audit trail: what happened, when, by whom
//! (themselves or the back office), from which device and which network, never the whole
//! address, never another account's entries, never a secret (entries hold none).

use time::OffsetDateTime;

use super::Sessions;
use crate::audit::{Actor, AuditEntry, AuditKind};
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

impl From<AuditEntry> for ActivityEntry {
    /// The customer's view of an entry: the network masked; for the back office's entries, no
    /// network nor device at all (the staff's, not the customer's).
    fn from(e: AuditEntry) -> Self {
        let customer = e.actor == Actor::Customer;
        ActivityEntry {
            kind: e.kind,
            actor: e.actor,
            at: e.at,
            device: e.device.filter(|_| customer),
            ip: e
                .client_address
                .as_deref()
                .filter(|_| customer)
                .and_then(masked_address),
        }
    }
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
        Ok(entries.into_iter().map(ActivityEntry::from).collect())
    }
}
