//! A request to erase a closed account's personal data, waiting for the back office when the
//! tenant's policy requires approval.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::account::AccountUuid;
use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeletionRequestId(pub Uuid);

impl fmt::Display for DeletionRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionStatus {
    Pending,
    Approved,
    Rejected,
}

impl DeletionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeletionStatus::Pending => "pending",
            DeletionStatus::Approved => "approved",
            DeletionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => DeletionStatus::Pending,
            "approved" => DeletionStatus::Approved,
            "rejected" => DeletionStatus::Rejected,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    pub id: DeletionRequestId,
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub status: DeletionStatus,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    /// Why the back office rejected it (mailed to the customer).
    pub reason: Option<String>,
}
