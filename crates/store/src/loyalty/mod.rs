//! The loyalty ledger and orders. Credits are lots whose `remaining` a debit spends, first to
//! expire first; balances are sums in SQL, so reading them costs the same whatever the ledger
//! holds.

use async_trait::async_trait;
use clientele_domain::account::AccountUuid;
use clientele_domain::loyalty::{
    spend_first_to_expire, Amount, Balance, Lot, Order, OrderPosted, OrderStats, OrderStatus, WalletEntry,
    WalletKind, WalletPosted, WalletSummary,
};
use clientele_domain::ports::{LoyaltyRepository, StoreError};
use clientele_domain::tenant::TenantId;
use clientele_domain::webhooks::Event;
use diesel::dsl::{min, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use time::{Date, PrimitiveDateTime};

use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::memory::WalletAsOf;
use crate::rows::{from_db_time, parse_uuid, to_db_time};
use crate::schema::{order_totals, orders, wallet_days, wallet_entries};

/// Tries of a debit that found a lot spent by a concurrent one between reading and spending.
const DEBIT_TRIES: usize = 8;

mod ledger;
mod rows;

use ledger::*;
use rows::*;

#[async_trait]
impl LoyaltyRepository for Database {
    async fn post_wallet_entry(
        &self,
        entry: &WalletEntry,
        today: Date,
        announcing: &Event,
    ) -> Result<WalletPosted, StoreError> {
        let row = std::sync::Arc::new(EntryRow::of(entry));
        let announcing = std::sync::Arc::new(announcing.clone());
        for _ in 0..DEBIT_TRIES {
            let (forget, row) = (self.memory.forget_standing_after(entry.account), row.clone());
            let announcing = announcing.clone();
            match self
                .write(forget, move |conn| post_once(conn, &row, today, &announcing))
                .await?
            {
                Ok(outcome) => return outcome,
                // A concurrent post of the same reference won: the next try answers it.
                Err(Try::Db(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )))
                | Err(Try::Raced) => continue,
                Err(Try::Db(error)) => return Err(from_diesel(error)),
            }
        }
        Err(StoreError::Unavailable(
            "the wallet changed under every try; try again".into(),
        ))
    }

    async fn wallet_entries(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<WalletEntry>, StoreError> {
        use wallet_entries::dsl as w;
        let (tenant, account) = (tenant.as_str().to_owned(), account.0.to_string());
        let rows: Vec<EntryRow> = with_connection(&self.pool, move |conn| {
            w::wallet_entries
                .filter(w::tenant_id.eq(tenant))
                .filter(w::account_uuid.eq(account))
                .order((w::created_at.desc(), w::reference.desc()))
                .limit(limit)
                .select(EntryRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(EntryRow::entry).collect()
    }

    async fn wallet_summary(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        today: Date,
    ) -> Result<WalletSummary, StoreError> {
        use wallet_days::dsl as d;
        let held = &self.memory.wallets;
        if let Some(wallet) = held
            .get(&account)
            .filter(|w| w.today == today && w.tenant == *tenant)
        {
            return Ok(wallet.summary);
        }
        let began = held.generation();
        let (tenant_id, uuid) = (tenant.clone(), account);
        let (tenant, account) = (tenant.as_str().to_owned(), account.0.to_string());
        let (balances, next_days, next_amounts) = with_connection(&self.pool, move |conn| {
            // The running sums by last day: as many rows as the account has days with value
            // left, never its lots.
            let spendable = || {
                d::wallet_days
                    .filter(d::tenant_id.eq(tenant.clone()))
                    .filter(d::account_uuid.eq(account.clone()))
                    .filter(d::remaining.gt(0))
                    .filter(d::expires_on.ge(today))
            };
            let balances: Vec<(String, Option<i64>)> = spendable()
                .group_by(d::kind)
                .select((d::kind, summed()))
                .load(conn)
                .map_err(from_diesel)?;
            let next_days: Vec<(String, Option<Date>)> = spendable()
                .filter(d::expires_on.lt(NEVER))
                .group_by(d::kind)
                .select((d::kind, min(d::expires_on)))
                .load(conn)
                .map_err(from_diesel)?;
            // What each kind's earliest day holds: one row per kind, at most three.
            let mut next_amounts: Vec<(String, Option<i64>)> = Vec::new();
            for (kind, day) in &next_days {
                let Some(day) = day else { continue };
                let held: Option<i64> = spendable()
                    .filter(d::kind.eq(kind.clone()))
                    .filter(d::expires_on.eq(*day))
                    .select(d::remaining)
                    .first(conn)
                    .optional()
                    .map_err(from_diesel)?;
                next_amounts.push((kind.clone(), held));
            }
            Ok::<_, StoreError>((balances, next_days, next_amounts))
        })
        .await?;
        let mut summary = WalletSummary::default();
        let kind = |raw: &str| WalletKind::parse(raw).ok_or_else(|| corrupt("wallet kind"));
        for (raw, sum) in balances {
            summary.of(kind(&raw)?).spendable = Amount(sum.unwrap_or(0));
        }
        for (raw, day) in next_days {
            let Some(day) = day else { continue };
            let amount = next_amounts
                .iter()
                .find(|(k, _)| *k == raw)
                .and_then(|(_, sum)| *sum)
                .unwrap_or(0);
            let balance: &mut Balance = summary.of(kind(&raw)?);
            balance.next_to_expire = Some((Amount(amount), day));
        }
        let wallet = WalletAsOf {
            tenant: tenant_id,
            today,
            summary,
        };
        held.put(began, uuid, wallet);
        Ok(summary)
    }

    async fn post_order(&self, order: &Order, announcing: &Event) -> Result<OrderPosted, StoreError> {
        use orders::dsl as o;
        let row = std::sync::Arc::new(OrderRow::of(order));
        let announcing = std::sync::Arc::new(announcing.clone());
        for _ in 0..DEBIT_TRIES {
            let forget = self.memory.forget_standing_after(order.account);
            let (row, order, announcing) = (row.clone(), order.clone(), announcing.clone());
            let outcome = self
                .write(forget, move |conn| {
                    let inserted = conn.transaction(|conn| {
                        diesel::insert_into(orders::table).values(&*row).execute(conn)?;
                        let (successful, spent) = completed(&row.status, row.amount);
                        add_to_totals(conn, (&row.tenant_id, &row.account_uuid), (1, successful, spent))?;
                        crate::webhooks::announce(conn, std::slice::from_ref(&*announcing))
                    });
                    match inserted {
                        Ok(()) => Ok(Some(Ok(OrderPosted::Created(order)))),
                        Err(diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::UniqueViolation,
                            _,
                        )) => {
                            let earlier: Option<OrderRow> = o::orders
                                .filter(o::tenant_id.eq(&row.tenant_id))
                                .filter(o::account_uuid.eq(&row.account_uuid))
                                .filter(o::reference.eq(&row.reference))
                                .select(OrderRow::as_select())
                                .first(conn)
                                .optional()?;
                            // No such order: the account's first totals row was being written by
                            // a concurrent first order; this one was rolled back whole, so try
                            // again.
                            let Some(earlier) = earlier else { return Ok(None) };
                            Ok(Some(earlier.order().map(|earlier| {
                                if earlier.same_post_as(&order) {
                                    OrderPosted::Replayed(earlier)
                                } else {
                                    OrderPosted::ReferenceTaken(earlier)
                                }
                            })))
                        }
                        Err(other) => Err(other),
                    }
                })
                .await?
                .map_err(from_diesel)?;
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
        Err(StoreError::Unavailable(
            "the orders changed under every try; try again".into(),
        ))
    }

    async fn set_order_status(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        reference: &str,
        status: OrderStatus,
        announcing: &Event,
    ) -> Result<Option<Order>, StoreError> {
        use orders::dsl as o;
        let announcing = std::sync::Arc::new(announcing.clone());
        let key = std::sync::Arc::new((
            tenant.as_str().to_owned(),
            account.0.to_string(),
            reference.to_owned(),
        ));
        // The status moves from what was read, or the read was stale and is tried again: the
        // totals change by exactly what this move changes.
        for _ in 0..DEBIT_TRIES {
            let (forget, key) = (self.memory.forget_standing_after(account), key.clone());
            let announcing = announcing.clone();
            let moved = self
                .write(forget, move |conn| {
                    let this = || {
                        o::orders
                            .filter(o::tenant_id.eq(key.0.clone()))
                            .filter(o::account_uuid.eq(key.1.clone()))
                            .filter(o::reference.eq(key.2.clone()))
                    };
                    // PostgreSQL: the row is locked as it is read, so the move below finds it as
                    // read; SQLite: the write transaction excludes every other writer.
                    let before: Option<OrderRow> = match conn {
                        DbConnection::Pg(pg) => this()
                            .select(OrderRow::as_select())
                            .for_update()
                            .first(pg)
                            .optional()?,
                        DbConnection::Sqlite(sqlite) => {
                            this().select(OrderRow::as_select()).first(sqlite).optional()?
                        }
                    };
                    let Some(before) = before else {
                        return Ok(Some(None));
                    };
                    let changed = diesel::update(this().filter(o::status.eq(before.status.clone())))
                        .set(o::status.eq(status.as_str()))
                        .execute(conn)?;
                    if changed == 0 {
                        return Ok(None);
                    }
                    let (was_successful, was_spent) = completed(&before.status, before.amount);
                    let (successful, spent) = completed(status.as_str(), before.amount);
                    add_to_totals(
                        conn,
                        (&before.tenant_id, &before.account_uuid),
                        (0, successful - was_successful, spent - was_spent),
                    )?;
                    crate::webhooks::announce(conn, std::slice::from_ref(&*announcing))?;
                    Ok::<_, diesel::result::Error>(Some(Some(OrderRow {
                        status: status.as_str().to_owned(),
                        ..before
                    })))
                })
                .await?
                .map_err(from_diesel)?;
            if let Some(row) = moved {
                return row.map(OrderRow::order).transpose();
            }
        }
        Err(StoreError::Unavailable(
            "the order changed under every try; try again".into(),
        ))
    }

    async fn orders(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<Order>, StoreError> {
        use orders::dsl as o;
        let (tenant, account) = (tenant.as_str().to_owned(), account.0.to_string());
        let rows: Vec<OrderRow> = with_connection(&self.pool, move |conn| {
            o::orders
                .filter(o::tenant_id.eq(tenant))
                .filter(o::account_uuid.eq(account))
                .order((o::placed_at.desc(), o::reference.desc()))
                .limit(limit)
                .select(OrderRow::as_select())
                .load(conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(OrderRow::order).collect()
    }

    async fn order_stats(&self, tenant: &TenantId, account: AccountUuid) -> Result<OrderStats, StoreError> {
        use order_totals::dsl as t;
        let held = &self.memory.orders;
        if let Some((_, stats)) = held.get(&account).filter(|(of, _)| of == tenant) {
            return Ok(stats);
        }
        let began = held.generation();
        let (tenant_id, uuid) = (tenant.clone(), account);
        let (tenant, account) = (tenant.as_str().to_owned(), account.0.to_string());
        let stats = with_connection(&self.pool, move |conn| {
            let totals: Option<(i64, i64, i64)> = t::order_totals
                .filter(t::tenant_id.eq(tenant))
                .filter(t::account_uuid.eq(account))
                .select((t::order_count, t::successful, t::spent))
                .first(conn)
                .optional()
                .map_err(from_diesel)?;
            let (count, successful, spent) = totals.unwrap_or_default();
            Ok(OrderStats {
                count,
                successful,
                total_spending: Amount(spent),
            })
        })
        .await?;
        held.put(began, uuid, (tenant_id, stats));
        Ok(stats)
    }
}
