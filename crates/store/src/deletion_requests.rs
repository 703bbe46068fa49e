//! Deletion requests: written by commits (see `unit_of_work`), read by the back office.

use async_trait::async_trait;
use clientele_domain::account::AccountUuid;
use clientele_domain::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use clientele_domain::ports::{DeletionRequestRepository, StoreError};
use clientele_domain::tenant::TenantId;
use diesel::prelude::*;
use time::PrimitiveDateTime;
use uuid::Uuid;

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
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

impl DeletionRequestRow {
    pub fn decided_at(&self) -> Option<PrimitiveDateTime> {
        self.decided_at
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

#[async_trait]
impl DeletionRequestRepository for Database {
    async fn list_requests(
        &self,
        tenant: &TenantId,
        status: Option<DeletionStatus>,
        account: Option<clientele_domain::account::AccountUuid>,
        limit: i64,
    ) -> Result<Vec<DeletionRequest>, StoreError> {
        let tenant = tenant.to_string();
        let rows = with_connection(&self.pool, move |conn| {
            let mut query = deletion_requests::table
                .filter(deletion_requests::tenant_id.eq(tenant))
                .into_boxed();
            if let Some(status) = status {
                query = query.filter(deletion_requests::status.eq(status.as_str()));
            }
            if let Some(account) = account {
                query = query.filter(deletion_requests::account_uuid.eq(account.0.to_string()));
            }
            query
                .order((deletion_requests::created_at, deletion_requests::id))
                .limit(limit)
                .select(DeletionRequestRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(DeletionRequest::try_from).collect()
    }

    async fn find_request(
        &self,
        tenant: &TenantId,
        id: DeletionRequestId,
    ) -> Result<Option<DeletionRequest>, StoreError> {
        let (tenant, id) = (tenant.to_string(), id.to_string());
        let row = with_connection(&self.pool, move |conn| {
            deletion_requests::table
                .filter(deletion_requests::tenant_id.eq(tenant))
                .filter(deletion_requests::id.eq(id))
                .select(DeletionRequestRow::as_select())
                .first(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await?;
        row.map(DeletionRequest::try_from).transpose()
    }

    async fn has_pending(&self, tenant: &TenantId, account: AccountUuid) -> Result<bool, StoreError> {
        let (tenant, account) = (tenant.to_string(), account.0.to_string());
        with_connection(&self.pool, move |conn| {
            diesel::select(diesel::dsl::exists(
                deletion_requests::table
                    .filter(deletion_requests::tenant_id.eq(tenant))
                    .filter(deletion_requests::account_uuid.eq(account))
                    .filter(deletion_requests::status.eq("pending")),
            ))
            .get_result(&mut **conn)
            .map_err(from_diesel)
        })
        .await
    }
}
