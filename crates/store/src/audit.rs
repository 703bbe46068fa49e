//! The audit trail: entries written by commits (see `unit_of_work`) or appended on their own.

use async_trait::async_trait;
use clientele_domain::account::AccountUuid;
use clientele_domain::audit::{Actor, AuditEntry, AuditKind};
use clientele_domain::ports::{AuditLog, StoreError};
use clientele_domain::tenant::TenantId;
use diesel::prelude::*;
use time::PrimitiveDateTime;
use uuid::Uuid;

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::rows::{from_db_time, to_db_time};
use crate::schema::audit_log;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    id: String,
    tenant_id: String,
    account_uuid: String,
    kind: String,
    actor: String,
    request_id: Option<String>,
    at: PrimitiveDateTime,
    detail: Option<String>,
    client_address: Option<String>,
    device: Option<String>,
}

impl From<&AuditEntry> for AuditRow {
    fn from(e: &AuditEntry) -> Self {
        AuditRow {
            id: e.id.to_string(),
            tenant_id: e.tenant.to_string(),
            account_uuid: e.account.0.to_string(),
            kind: e.kind.as_str().to_owned(),
            actor: e.actor.as_str().to_owned(),
            request_id: e.request_id.clone(),
            at: to_db_time(e.at),
            detail: e.detail.clone(),
            client_address: e.client_address.clone(),
            device: e.device.clone(),
        }
    }
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;

    fn try_from(row: AuditRow) -> Result<Self, StoreError> {
        let uuid = |raw: &str| Uuid::parse_str(raw).map_err(|_| corrupt("audit entry"));
        Ok(AuditEntry {
            id: uuid(&row.id)?,
            tenant: TenantId::parse(&row.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            account: AccountUuid(uuid(&row.account_uuid)?),
            kind: AuditKind::parse(&row.kind).ok_or_else(|| corrupt("audit kind"))?,
            actor: Actor::parse(&row.actor).ok_or_else(|| corrupt("audit actor"))?,
            request_id: row.request_id,
            client_address: row.client_address,
            device: row.device,
            at: from_db_time(row.at),
            detail: row.detail,
        })
    }
}

/// Tells the log what the audit trail has just recorded (call it once the entries' transaction
/// has committed), so an operator can follow one account through the log: the tenant, the
/// account id and the request id, never an address, a name or a secret.
pub(crate) fn announce(entries: &[AuditEntry]) {
    for e in entries {
        metrics::counter!("clientele_security_events_total", "event" => e.kind.as_str()).increment(1);
        let (tenant, account, request) = (e.tenant.as_str(), e.account.0, e.request_id.as_deref());
        let (event, actor) = (e.kind.as_str(), e.actor.as_str());
        match e.kind {
            AuditKind::SignInFailed | AuditKind::SignInLocked => tracing::warn!(
                event, tenant, %account, actor, request_id = request, "security event"
            ),
            _ => tracing::info!(event, tenant, %account, actor, request_id = request, "security event"),
        }
    }
}

#[async_trait]
impl AuditLog for Database {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let row = AuditRow::from(entry);
        self.write_one((), move |conn| {
            diesel::insert_into(audit_log::table).values(&row).execute(conn)
        })
        .await?
        .map_err(from_diesel)?;
        announce(std::slice::from_ref(entry));
        Ok(())
    }

    async fn list_audit(
        &self,
        tenant: &TenantId,
        account: Option<AccountUuid>,
        kind: Option<AuditKind>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let tenant = tenant.to_string();
        let rows = with_connection(&self.pool, move |conn| {
            let mut query = audit_log::table
                .filter(audit_log::tenant_id.eq(tenant))
                .into_boxed();
            if let Some(account) = account {
                query = query.filter(audit_log::account_uuid.eq(account.0.to_string()));
            }
            if let Some(kind) = kind {
                query = query.filter(audit_log::kind.eq(kind.as_str()));
            }
            query
                .order((audit_log::at.desc(), audit_log::id.desc()))
                .limit(limit)
                .select(AuditRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(AuditEntry::try_from).collect()
    }
}
