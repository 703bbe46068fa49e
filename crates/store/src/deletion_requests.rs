//! Deletion requests: written by commits (see `unit_of_work`), read by the back office.

use clientele_domain::account::AccountUuid;
use clientele_domain::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use clientele_domain::ports::StoreError;
use clientele_domain::tenant::TenantId;
use diesel::prelude::*;
use time::PrimitiveDateTime;
use uuid::Uuid;

use crate::errors::corrupt;
use crate::rows::{from_db_time, to_db_time};
use crate::schema::deletion_requests;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = deletion_requests)]
pub struct DeletionRequestRow {
    id: String,
    tenant_id: String,
    account_uuid: String,
    status: String,
    created_at: PrimitiveDateTime,
    decided_at: Option<PrimitiveDateTime>,
    reason: Option<String>,
}

impl From<&DeletionRequest> for DeletionRequestRow {
    fn from(r: &DeletionRequest) -> Self {
        DeletionRequestRow {
            id: r.id.to_string(),
            tenant_id: r.tenant.to_string(),
            account_uuid: r.account.0.to_string(),
            status: r.status.as_str().to_owned(),
            created_at: to_db_time(r.created_at),
            decided_at: r.decided_at.map(to_db_time),
            reason: r.reason.clone(),
        }
    }
}

impl TryFrom<DeletionRequestRow> for DeletionRequest {
    type Error = StoreError;

    fn try_from(row: DeletionRequestRow) -> Result<Self, StoreError> {
        let uuid = |raw: &str| Uuid::parse_str(raw).map_err(|_| corrupt("deletion request"));
        Ok(DeletionRequest {
            id: DeletionRequestId(uuid(&row.id)?),
            tenant: TenantId::parse(&row.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            account: AccountUuid(uuid(&row.account_uuid)?),
            status: DeletionStatus::parse(&row.status).ok_or_else(|| corrupt("deletion status"))?,
            created_at: from_db_time(row.created_at),
            decided_at: row.decided_at.map(from_db_time),
            reason: row.reason,
        })
    }
}
