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
use diesel::dsl::{min, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use time::{Date, PrimitiveDateTime};

use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::rows::{from_db_time, parse_uuid, to_db_time};
use crate::schema::{order_totals, orders, wallet_days, wallet_entries};

/// Tries of a debit that found a lot spent by a concurrent one between reading and spending.
const DEBIT_TRIES: usize = 8;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = wallet_entries)]
struct EntryRow {
    tenant_id: String,
    account_uuid: String,
    reference: String,
    kind: String,
    amount: i64,
    remaining: i64,
    expires_on: Option<Date>,
    created_at: PrimitiveDateTime,
}

impl EntryRow {
    fn of(e: &WalletEntry) -> Self {
        EntryRow {
            tenant_id: e.tenant.as_str().to_owned(),
            account_uuid: e.account.0.to_string(),
            reference: e.reference.clone(),
            kind: e.kind.as_str().to_owned(),
            amount: e.amount.0,
            remaining: e.amount.0.max(0),
            expires_on: e.expires_on,
            created_at: to_db_time(e.created_at),
        }
    }

    fn entry(self) -> Result<WalletEntry, StoreError> {
        Ok(WalletEntry {
            tenant: TenantId::parse(&self.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            account: AccountUuid(parse_uuid(&self.account_uuid)?),
            kind: WalletKind::parse(&self.kind).ok_or_else(|| corrupt("wallet kind"))?,
            reference: self.reference,
            amount: Amount(self.amount),
            expires_on: self.expires_on,
            created_at: from_db_time(self.created_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
struct OrderRow {
    tenant_id: String,
    account_uuid: String,
    reference: String,
    amount: i64,
    status: String,
    placed_at: PrimitiveDateTime,
}

impl OrderRow {
    fn of(o: &Order) -> Self {
        OrderRow {
            tenant_id: o.tenant.as_str().to_owned(),
            account_uuid: o.account.0.to_string(),
            reference: o.reference.clone(),
            amount: o.amount.0,
            status: o.status.as_str().to_owned(),
            placed_at: to_db_time(o.placed_at),
        }
    }

    fn order(self) -> Result<Order, StoreError> {
        Ok(Order {
            tenant: TenantId::parse(&self.tenant_id).ok_or_else(|| corrupt("tenant id"))?,
            account: AccountUuid(parse_uuid(&self.account_uuid)?),
            reference: self.reference,
            amount: Amount(self.amount),
            status: OrderStatus::parse(&self.status).ok_or_else(|| corrupt("order status"))?,
            placed_at: from_db_time(self.placed_at),
        })
    }
}

/// `SUM` as a 64-bit integer on both backends (PostgreSQL sums `bigint` into `numeric`).
fn summed() -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>("CAST(SUM(remaining) AS BIGINT)")
}

/// The day a lot that never expires is filed under in `wallet_days`.
const NEVER: Date = time::macros::date!(9999 - 12 - 31);

/// Adds `delta` to what `account`'s lots of `kind` ending on `day` hold.
fn add_to_day(
    conn: &mut DbConnection,
    (tenant, account, kind): (&str, &str, &str),
    day: Option<Date>,
    delta: i64,
) -> QueryResult<()> {
    use wallet_days::dsl as d;
    let day = day.unwrap_or(NEVER);
    let this = d::wallet_days
        .filter(d::tenant_id.eq(tenant))
        .filter(d::account_uuid.eq(account))
        .filter(d::kind.eq(kind))
        .filter(d::expires_on.eq(day));
    let added = diesel::update(this)
        .set(d::remaining.eq(d::remaining + delta))
        .execute(conn)?;
    if added == 0 {
        // A concurrent first post of the same day makes this a unique violation: retried.
        diesel::insert_into(wallet_days::table)
            .values((
                d::tenant_id.eq(tenant),
                d::account_uuid.eq(account),
                d::kind.eq(kind),
                d::expires_on.eq(day),
                d::remaining.eq(delta),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds to `account`'s order totals.
fn add_to_totals(
    conn: &mut DbConnection,
    (tenant, account): (&str, &str),
    (count, successful, spent): (i64, i64, i64),
) -> QueryResult<()> {
    use order_totals::dsl as t;
    let this = t::order_totals
        .filter(t::tenant_id.eq(tenant))
        .filter(t::account_uuid.eq(account));
    let added = diesel::update(this)
        .set((
            t::order_count.eq(t::order_count + count),
            t::successful.eq(t::successful + successful),
            t::spent.eq(t::spent + spent),
        ))
        .execute(conn)?;
    if added == 0 {
        diesel::insert_into(order_totals::table)
            .values((
                t::tenant_id.eq(tenant),
                t::account_uuid.eq(account),
                t::order_count.eq(count),
                t::successful.eq(successful),
                t::spent.eq(spent),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What an order in `status` adds to the successful orders and the spending.
fn completed(status: &str, amount: i64) -> (i64, i64) {
    if status == OrderStatus::Completed.as_str() {
        (1, amount)
    } else {
        (0, 0)
    }
}

/// Why one try of a post did not go through.
enum Try {
    Db(diesel::result::Error),
    /// A lot was spent by a concurrent debit between reading and spending it.
    Raced,
}

impl From<diesel::result::Error> for Try {
    fn from(e: diesel::result::Error) -> Self {
        Try::Db(e)
    }
}

fn post_once(
    conn: &mut DbConnection,
    row: &EntryRow,
    today: Date,
) -> Result<Result<WalletPosted, StoreError>, Try> {
    use wallet_entries::dsl as w;
    let mine = w::wallet_entries
        .filter(w::tenant_id.eq(&row.tenant_id))
        .filter(w::account_uuid.eq(&row.account_uuid));
    let earlier: Option<EntryRow> = mine
        .filter(w::reference.eq(&row.reference))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?;
    let posted = EntryRow {
        tenant_id: row.tenant_id.clone(),
        account_uuid: row.account_uuid.clone(),
        reference: row.reference.clone(),
        kind: row.kind.clone(),
        amount: row.amount,
        remaining: row.remaining,
        expires_on: row.expires_on,
        created_at: row.created_at,
    };
    if let Some(earlier) = earlier {
        let (earlier, now) = match (earlier.entry(), posted.entry()) {
            (Ok(earlier), Ok(now)) => (earlier, now),
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
        };
        return Ok(Ok(if earlier.same_post_as(&now) {
            WalletPosted::Replayed(earlier)
        } else {
            WalletPosted::ReferenceTaken(earlier)
        }));
    }
    if row.amount < 0 {
        let lots_query = mine
            .filter(w::kind.eq(&row.kind))
            .filter(w::remaining.gt(0))
            .filter(w::expires_on.is_null().or(w::expires_on.ge(today)))
            .order((
                w::expires_on.is_null().asc(),
                w::expires_on.asc(),
                w::created_at.asc(),
                w::reference.asc(),
            ))
            .select((w::reference, w::remaining, w::expires_on, w::created_at));
        // PostgreSQL: every spendable lot is locked up front, in one order, before any day is
        // touched, so two debits never hold a lot and a day each while waiting for the other's
        // (the domain then picks which of them are spent).
        // SQLite: the write transaction already excludes every other writer.
        type LotRow = (String, i64, Option<Date>, PrimitiveDateTime);
        let rows: Vec<LotRow> = match conn {
            DbConnection::Pg(pg) => lots_query.for_update().load(pg)?,
            DbConnection::Sqlite(sqlite) => lots_query.load(sqlite)?,
        };
        let lots: Vec<Lot> = rows
            .into_iter()
            .map(|(reference, remaining, expires_on, created_at)| Lot {
                reference,
                remaining,
                expires_on,
                created_at: from_db_time(created_at),
            })
            .collect();
        // The domain decides what is spent; this writes it.
        let spends = match spend_first_to_expire(&lots, -row.amount, today) {
            Ok(spends) => spends,
            Err(spendable) => return Ok(Ok(WalletPosted::Insufficient { spendable })),
        };
        for spend in spends {
            let spent = diesel::update(
                mine.filter(w::reference.eq(&spend.reference))
                    .filter(w::remaining.ge(spend.amount)),
            )
            .set(w::remaining.eq(w::remaining - spend.amount))
            .execute(conn)?;
            if spent != 1 {
                return Err(Try::Raced);
            }
            let of = (
                row.tenant_id.as_str(),
                row.account_uuid.as_str(),
                row.kind.as_str(),
            );
            add_to_day(conn, of, spend.expires_on, -spend.amount)?;
        }
    }
    diesel::insert_into(wallet_entries::table)
        .values(&posted)
        .execute(conn)?;
    if row.amount > 0 {
        add_to_day(
            conn,
            (&row.tenant_id, &row.account_uuid, &row.kind),
            row.expires_on,
            row.amount,
        )?;
    }
    Ok(posted.entry().map(WalletPosted::Created))
}

#[async_trait]
impl LoyaltyRepository for Database {
    async fn post_wallet_entry(&self, entry: &WalletEntry, today: Date) -> Result<WalletPosted, StoreError> {
        let row = EntryRow::of(entry);
        with_connection(&self.pool, move |conn| {
            for _ in 0..DEBIT_TRIES {
                match conn.write_transaction(|conn| post_once(conn, &row, today)) {
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
        })
        .await
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
        Ok(summary)
    }

    async fn post_order(&self, order: &Order) -> Result<OrderPosted, StoreError> {
        use orders::dsl as o;
        let row = OrderRow::of(order);
        let order = order.clone();
        with_connection(&self.pool, move |conn| {
            for _ in 0..DEBIT_TRIES {
                let inserted = conn.write_transaction(|conn| {
                    diesel::insert_into(orders::table).values(&row).execute(conn)?;
                    let (successful, spent) = completed(&row.status, row.amount);
                    add_to_totals(conn, (&row.tenant_id, &row.account_uuid), (1, successful, spent))
                });
                match inserted {
                    Ok(()) => return Ok(OrderPosted::Created(order)),
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
                            .optional()
                            .map_err(from_diesel)?;
                        // No such order: the account's first totals row was being written by a
                        // concurrent first order; this one was rolled back whole, so try again.
                        let Some(earlier) = earlier else { continue };
                        let earlier = earlier.order()?;
                        return Ok(if earlier.same_post_as(&order) {
                            OrderPosted::Replayed(earlier)
                        } else {
                            OrderPosted::ReferenceTaken(earlier)
                        });
                    }
                    Err(other) => return Err(from_diesel(other)),
                }
            }
            Err(StoreError::Unavailable(
                "the orders changed under every try; try again".into(),
            ))
        })
        .await
    }

    async fn set_order_status(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        reference: &str,
        status: OrderStatus,
    ) -> Result<Option<Order>, StoreError> {
        use orders::dsl as o;
        let (tenant, account, reference) = (
            tenant.as_str().to_owned(),
            account.0.to_string(),
            reference.to_owned(),
        );
        let row: Option<OrderRow> = with_connection(&self.pool, move |conn| {
            let this = || {
                o::orders
                    .filter(o::tenant_id.eq(tenant.clone()))
                    .filter(o::account_uuid.eq(account.clone()))
                    .filter(o::reference.eq(reference.clone()))
            };
            // The status moves from what was read, or the read was stale and is tried again:
            // the totals change by exactly what this move changes.
            for _ in 0..DEBIT_TRIES {
                let moved = conn.write_transaction(|conn| {
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
                    Ok::<_, diesel::result::Error>(Some(Some(OrderRow {
                        status: status.as_str().to_owned(),
                        ..before
                    })))
                });
                match moved.map_err(from_diesel)? {
                    Some(row) => return Ok(row),
                    None => continue,
                }
            }
            Err(StoreError::Unavailable(
                "the order changed under every try; try again".into(),
            ))
        })
        .await?;
        row.map(OrderRow::order).transpose()
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
        let (tenant, account) = (tenant.as_str().to_owned(), account.0.to_string());
        with_connection(&self.pool, move |conn| {
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
        .await
    }
}
