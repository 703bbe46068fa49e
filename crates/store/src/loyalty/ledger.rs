//! Posting to the ledger: a credit files its lot under its day; a debit spends the lots the
//! domain picks (first to expire first), under their locks.

use super::*;
use clientele_domain::webhooks::Event;

/// `SUM` as a 64-bit integer on both backends (PostgreSQL sums `bigint` into `numeric`).
pub(super) fn summed() -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>("CAST(SUM(remaining) AS BIGINT)")
}

/// The day a lot that never expires is filed under in `wallet_days`.
pub(super) const NEVER: Date = time::macros::date!(9999 - 12 - 31);

/// Adds `delta` to what `account`'s lots of `kind` ending on `day` hold.
pub(super) fn add_to_day(
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
pub(super) fn add_to_totals(
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
pub(super) fn completed(status: &str, amount: i64) -> (i64, i64) {
    if status == OrderStatus::Completed.as_str() {
        (1, amount)
    } else {
        (0, 0)
    }
}

/// Why one try of a post did not go through.
pub(super) enum Try {
    Db(diesel::result::Error),
    /// A lot was spent by a concurrent debit between reading and spending it.
    Raced,
}

impl From<diesel::result::Error> for Try {
    fn from(e: diesel::result::Error) -> Self {
        Try::Db(e)
    }
}

pub(super) fn post_once(
    conn: &mut DbConnection,
    row: &EntryRow,
    today: Date,
    announcing: &Event,
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
    crate::webhooks::announce(conn, std::slice::from_ref(announcing))?;
    Ok(posted.entry().map(WalletPosted::Created))
}
