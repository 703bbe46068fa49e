//! A plain edit (one account updated, its events announced, nothing else) of a tenant whose
//! endpoints do not receive its event: written as the one version-checked `UPDATE` it is, without
//! a transaction that reads the endpoints (most tenants have none).
//!
//! Memory of what each tenant's enabled endpoints receive only says when to try: the statement
//! itself writes nothing while an enabled endpoint of the tenant receives the event, so an
//! endpoint saved before the edit (through this instance or another, heard or not) is not
//! missed; the commit then takes the transactional path, which writes the event for it. As with
//! any read before a commit, an endpoint saved while the edit is under way may miss it (on
//! PostgreSQL the check is of the statement's snapshot, also when it waited for the account's
//! row).

use std::sync::Arc;

use clientele_domain::account::Account;
use clientele_domain::ports::{Commit, StoreError};
use clientele_domain::tenant::TenantId;
use clientele_domain::webhooks::{Endpoint, Event, EventFilter, EventType};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::from_diesel;
use crate::prepared::PreparedUpdate;
use crate::rows::AccountRow;
use crate::schema::{accounts, webhook_endpoints};
use crate::webhook_rows::EndpointRow;

/// Whether `commit` was written here; `false`: it is not such an edit, or it may be announced
/// (or its account changed meanwhile), and nothing was written.
pub(crate) async fn written(db: &Database, commit: &Commit) -> Result<bool, StoreError> {
    let Some(account) = commit.lone_account_update() else {
        return Ok(false);
    };
    let Some(kind) = one_kind(&commit.events, &account.tenant) else {
        return Ok(false);
    };
    let held = enabled_endpoints(db, &account.tenant).await?;
    if held.iter().any(|events| events.admits(kind)) {
        return Ok(false);
    }
    let expected = account.version;
    let mut row = AccountRow::from(account);
    row.version = expected + 1;
    // Held as a load would read it back, so that the account's next request needs no load.
    let written = Account::try_from(row.clone())?;
    let amend = db.memory.amend_account_after(written);
    // As stored (`EventFilter::stored`): `*`, or the names joined by commas.
    let named = format!("%,{},%", kind.as_str());
    let changed = db
        .write_one_then(
            move |conn| {
                let receiving = webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(row.tenant_id.clone()))
                    .filter(webhook_endpoints::disabled_at.is_null())
                    .filter(
                        webhook_endpoints::events.eq("*").or(","
                            .into_sql::<Text>()
                            .concat(webhook_endpoints::events)
                            .concat(",")
                            .like(named)),
                    )
                    .select(webhook_endpoints::uuid);
                PreparedUpdate::<_, _, _, LoneEditStatement>::new(
                    accounts::table,
                    (&row).as_changeset(),
                    accounts::uuid
                        .eq(row.uuid.clone())
                        .and(accounts::tenant_id.eq(row.tenant_id.clone()))
                        .and(accounts::version.eq(expected))
                        .and(not(exists(receiving))),
                )
                .execute(conn)
            },
            move |outcome| amend(matches!(outcome, Some(Ok(1)))),
        )
        .await?
        .map_err(from_diesel)?;
    Ok(changed == 1)
}

/// The key under which connections keep the edit's statement prepared: its SQL is the same on
/// every call (every column is set, `None` as `NULL`).
struct LoneEditStatement;

/// The one kind of event `events` announce, all of `tenant`'s; `None` for none or several.
fn one_kind(events: &[Event], tenant: &TenantId) -> Option<EventType> {
    let kind = events.first()?.kind;
    events
        .iter()
        .all(|event| event.kind == kind && &event.tenant == tenant)
        .then_some(kind)
}

/// What each of the tenant's enabled endpoints receives, from memory or read (and held).
async fn enabled_endpoints(db: &Database, tenant: &TenantId) -> Result<Arc<[EventFilter]>, StoreError> {
    let held = &db.memory.endpoints;
    if let Some(endpoints) = held.get(tenant) {
        return Ok(endpoints);
    }
    let began = held.generation();
    let wanted = tenant.as_str().to_owned();
    let rows: Vec<EndpointRow> = with_connection(&db.pool, move |conn| {
        webhook_endpoints::table
            .filter(webhook_endpoints::tenant_id.eq(wanted))
            .filter(webhook_endpoints::disabled_at.is_null())
            .select(EndpointRow::as_select())
            .load(&mut **conn)
            .map_err(from_diesel)
    })
    .await?;
    // As `webhooks::announce` reads them: a row this version cannot read receives nothing.
    let endpoints: Arc<[EventFilter]> = rows
        .into_iter()
        .filter_map(|r| Endpoint::try_from(r).ok())
        .map(|endpoint| endpoint.events)
        .collect();
    held.put(began, tenant.clone(), endpoints.clone());
    Ok(endpoints)
}
