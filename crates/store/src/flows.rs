use async_trait::async_trait;
use clientele_domain::account::AccountUuid;
use clientele_domain::flow::{Flow, FlowId, Purpose};
use clientele_domain::ports::{FlowRepository, StoreError};
use clientele_domain::tenant::TenantId;
use diesel::dsl::case_when;
use diesel::prelude::*;
use diesel::sql_types::Text;
use time::OffsetDateTime;

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::from_diesel;
use crate::flow_rows::FlowRow;
use crate::rows::to_db_time;
use crate::schema::flows::dsl;

fn first(rows: Vec<FlowRow>) -> Result<Option<Flow>, StoreError> {
    rows.into_iter().next().map(Flow::try_from).transpose()
}

#[async_trait]
impl FlowRepository for Database {
    async fn find(&self, tenant: &TenantId, id: FlowId) -> Result<Option<Flow>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), id.0.to_string());
        let rows = with_connection(&self.pool, move |conn| {
            dsl::flows
                .filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(id)))
                .select(FlowRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        first(rows)
    }

    async fn find_open(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        purpose: Purpose,
    ) -> Result<Option<Flow>, StoreError> {
        let (tenant, account) = (tenant.as_str().to_owned(), account.0.to_string());
        let rows = with_connection(&self.pool, move |conn| {
            dsl::flows
                .filter(dsl::tenant_id.eq(tenant).and(dsl::account_uuid.eq(account)))
                .filter(dsl::purpose.eq(purpose.as_str()))
                .filter(dsl::status.eq_any(["pending", "locked"]))
                .select(FlowRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        first(rows)
    }

    async fn waiting_email_change(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
    ) -> Result<Option<Flow>, StoreError> {
        let held = &self.memory.email_changes;
        if let Some((of, flow)) = held.get(&account) {
            if &of == tenant {
                return Ok(flow);
            }
        }
        let began = held.generation();
        let flow = self.find_open(tenant, account, Purpose::EmailChange).await?;
        held.put(began, account, (tenant.clone(), flow.clone()));
        Ok(flow)
    }

    async fn register_attempt(
        &self,
        tenant: &TenantId,
        id: FlowId,
        now: OffsetDateTime,
    ) -> Result<Option<Flow>, StoreError> {
        let (tenant, id, now) = (tenant.as_str().to_owned(), id.0.to_string(), to_db_time(now));
        // A counted try may lock an email change: the waiting change as held is no longer so.
        let (touched, forget) = self.memory.forget_email_changes_after();
        let rows = self
            .write(forget, move |conn| {
                let this = dsl::flows.filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(id)));
                // Counted in the database, before the secret is compared: concurrent tries
                // cannot overrun the limit. The last allowed try locks the flow in the same
                // statement: whatever becomes of this try, no further one is counted. One
                // statement, not two: PostgreSQL checks the foreign key of a row updated twice
                // in one transaction (a share lock on the account), which deadlocks against a
                // commit that holds the account and waits for this flow.
                let last_try = (dsl::attempts + 1).ge(dsl::max_attempts);
                let counted = diesel::update(
                    this.clone()
                        .filter(dsl::status.eq("pending"))
                        .filter(dsl::attempts.lt(dsl::max_attempts))
                        .filter(dsl::expires_at.gt(now)),
                )
                .set((
                    dsl::attempts.eq(dsl::attempts + 1),
                    dsl::status.eq(case_when::<_, _, Text>(last_try, "locked").otherwise(dsl::status)),
                    dsl::updated_at.eq(now),
                ))
                .execute(conn)?;
                if counted == 0 {
                    return Ok(Vec::new());
                }
                let rows: Vec<FlowRow> = this.select(FlowRow::as_select()).load(conn)?;
                let email_changes = rows
                    .iter()
                    .filter(|r| r.purpose == Purpose::EmailChange.as_str())
                    .filter_map(|r| uuid::Uuid::parse_str(&r.account_uuid).ok().map(AccountUuid));
                touched
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(email_changes);
                Ok(rows)
            })
            .await?
            .map_err(from_diesel)?;
        first(rows)
    }
}
