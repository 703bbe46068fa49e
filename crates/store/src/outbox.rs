use async_trait::async_trait;
use clientele_domain::flow::Channel;
use clientele_domain::message::{ClaimId, DeliveryStatus, MessageId, StoredMessage};
use clientele_domain::ports::{Outbox, PendingMessages, StoreError};
use clientele_domain::tenant::TenantId;
use diesel::prelude::*;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::flow_rows::{OutboxRow, ERASED};
use crate::rows::{from_db_time, to_db_time};
use crate::schema::outbox::dsl;

/// Longest `last_error` kept.
const ERROR_MAX: usize = 500;

type ById = diesel::dsl::Filter<dsl::outbox, diesel::dsl::Eq<dsl::uuid, String>>;
type Pending = diesel::dsl::Filter<ById, diesel::dsl::Eq<dsl::status, &'static str>>;
type Claimed = diesel::dsl::Filter<Pending, diesel::dsl::Eq<dsl::claim, String>>;

/// The message, while it is still pending under `claim`.
fn claimed(id: String, claim: String) -> Claimed {
    dsl::outbox
        .filter(dsl::uuid.eq(id))
        .filter(dsl::status.eq("pending"))
        .filter(dsl::claim.eq(claim))
}

/// Blanks a delivered or given-up message that asked to forget its recipient (the last
/// message to an erased account).
fn forget_if_asked(conn: &mut crate::connection::DbConnection, id: &str) -> QueryResult<usize> {
    diesel::update(
        dsl::outbox
            .filter(dsl::uuid.eq(id))
            .filter(dsl::forget_recipient.eq(true))
            .filter(dsl::status.eq_any(["sent", "abandoned"])),
    )
    .set((
        dsl::recipient.eq(ERASED),
        dsl::recipient_key.eq(None::<String>),
        dsl::subject.eq(ERASED),
        dsl::masked_text.eq(""),
    ))
    .execute(conn)
}

fn messages(rows: Vec<OutboxRow>) -> Result<Vec<StoredMessage>, StoreError> {
    rows.into_iter().map(StoredMessage::try_from).collect()
}

#[async_trait]
impl Outbox for Database {
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let (at, until, claim) = (to_db_time(now), to_db_time(now + lease), claim.0.to_string());
        // Row by row, each claim its own statement on PostgreSQL: a worker never holds one
        // message while waiting for another, so it cannot deadlock with an erasure (or another
        // worker) that locks the same messages in another order.
        let claimed = self
            .write_one((), move |conn| {
                let due = dsl::outbox
                    .filter(dsl::status.eq("pending"))
                    .filter(dsl::next_attempt_at.le(at))
                    .order(dsl::next_attempt_at.asc())
                    .limit(limit)
                    .select(OutboxRow::as_select())
                    .load(conn)?;
                let mut claimed = Vec::with_capacity(due.len());
                for mut row in due {
                    // Claimed only if nobody moved it since we read it (another instance may
                    // be claiming the same rows).
                    let won = diesel::update(
                        dsl::outbox
                            .filter(dsl::uuid.eq(row.uuid.clone()))
                            .filter(dsl::status.eq("pending"))
                            .filter(dsl::next_attempt_at.eq(row.next_attempt_at)),
                    )
                    .set((dsl::next_attempt_at.eq(until), dsl::claim.eq(Some(&claim))))
                    .execute(conn)?;
                    if won == 1 {
                        row.claim = Some(claim.clone());
                        claimed.push(row);
                    }
                }
                Ok::<_, diesel::result::Error>(claimed)
            })
            .await?
            .map_err(from_diesel)?;
        messages(claimed)
    }

    async fn mark_sent(
        &self,
        id: MessageId,
        claim: ClaimId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let (id, claim, now) = (id.0.to_string(), claim.0.to_string(), to_db_time(now));
        self.write_one((), move |conn| {
            let changed = diesel::update(claimed(id.clone(), claim))
                .set((
                    dsl::status.eq("sent"),
                    dsl::sent_at.eq(Some(now)),
                    dsl::sealed_body.eq(""),
                    dsl::attempts.eq(dsl::attempts + 1),
                ))
                .execute(conn)?;
            forget_if_asked(conn, &id)?;
            Ok(changed == 1)
        })
        .await?
        .map_err(from_diesel)
    }

    async fn mark_failed(
        &self,
        id: MessageId,
        claim: ClaimId,
        next_attempt_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<bool, StoreError> {
        let (id, claim) = (id.0.to_string(), claim.0.to_string());
        let error: String = error.chars().take(ERROR_MAX).collect();
        self.write_one((), move |conn| {
            let this = claimed(id.clone(), claim);
            let changed = match next_attempt_at {
                Some(next) => diesel::update(this)
                    .set((
                        dsl::attempts.eq(dsl::attempts + 1),
                        dsl::next_attempt_at.eq(to_db_time(next)),
                        dsl::last_error.eq(Some(error)),
                    ))
                    .execute(conn),
                None => diesel::update(this)
                    .set((
                        dsl::attempts.eq(dsl::attempts + 1),
                        dsl::status.eq("abandoned"),
                        dsl::sealed_body.eq(""),
                        dsl::last_error.eq(Some(error)),
                    ))
                    .execute(conn),
            }?;
            forget_if_asked(conn, &id)?;
            Ok(changed == 1)
        })
        .await?
        .map_err(from_diesel)
    }

    async fn pending_by_channel(&self) -> Result<Vec<PendingMessages>, StoreError> {
        let rows: Vec<(String, i64, Option<PrimitiveDateTime>)> = with_connection(&self.pool, |conn| {
            dsl::outbox
                .filter(dsl::status.eq(DeliveryStatus::Pending.as_str()))
                .group_by(dsl::channel)
                .select((
                    dsl::channel,
                    diesel::dsl::count_star(),
                    diesel::dsl::min(dsl::created_at),
                ))
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter()
            .map(|(channel, count, oldest)| {
                Ok(PendingMessages {
                    channel: Channel::parse(&channel).ok_or_else(|| corrupt("outbox channel"))?,
                    count: count.max(0) as u64,
                    oldest: oldest.map(from_db_time),
                })
            })
            .collect()
    }

    async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryStatus>,
        account: Option<clientele_domain::account::AccountUuid>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let rows = with_connection(&self.pool, move |conn| {
            let mut query = dsl::outbox.filter(dsl::tenant_id.eq(tenant)).into_boxed();
            if let Some(status) = status {
                query = query.filter(dsl::status.eq(status.as_str()));
            }
            if let Some(account) = account {
                query = query.filter(dsl::account_uuid.eq(account.0.to_string()));
            }
            query
                .order(dsl::created_at.desc())
                .limit(limit)
                .select(OutboxRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        messages(rows)
    }
}
