//! Webhook endpoints, the events commits announce to them, and their deliveries.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use clientele_domain::message::ClaimId;
use clientele_domain::ports::{StoreError, WebhookRepository};
use clientele_domain::tenant::TenantId;
use clientele_domain::webhooks::{
    Attempt, DeliveryId, DeliveryStatus, DueDelivery, Endpoint, Event, FailedDelivery, Retrying,
    WebhookDelivery, WebhookId,
};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::flow_rows::OutboxRow;
use crate::rows::{from_db_time, to_db_time};
use crate::schema::{
    accounts, outbox, webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events,
};
use crate::webhook_rows::*;

/// Longest error kept with an attempt.
const ERROR_MAX: usize = 500;
/// Rows one pruning write removes.
const PRUNE_BATCH: i64 = 500;

/// Writes `events` for delivery, inside the caller's transaction: each to every enabled endpoint
/// of its tenant that receives it (the domain's [`Endpoint::receives`]), in order. An event no
/// endpoint receives is not kept.
pub(crate) fn announce(conn: &mut DbConnection, events: &[Event]) -> Result<(), diesel::result::Error> {
    let mut endpoints: BTreeMap<TenantId, Vec<Endpoint>> = BTreeMap::new();
    for event in events {
        if !endpoints.contains_key(&event.tenant) {
            let enabled = || {
                webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(event.tenant.as_str()))
                    .filter(webhook_endpoints::disabled_at.is_null())
            };
            // PostgreSQL: held (`FOR KEY SHARE`) until the commit ends, so an endpoint deleted
            // meanwhile waits for it rather than failing the change this event announces.
            let rows: Vec<EndpointRow> = match conn {
                DbConnection::Pg(pg) => enabled()
                    .select(EndpointRow::as_select())
                    .for_key_share()
                    .load(pg)?,
                DbConnection::Sqlite(sqlite) => enabled().select(EndpointRow::as_select()).load(sqlite)?,
            };
            let known = rows
                .into_iter()
                .filter_map(|r| Endpoint::try_from(r).ok())
                .collect();
            endpoints.insert(event.tenant.clone(), known);
        }
        let receiving: Vec<&Endpoint> = endpoints[&event.tenant]
            .iter()
            .filter(|e| e.receives(event.kind))
            .collect();
        if receiving.is_empty() {
            continue;
        }
        if let (DbConnection::Pg(pg), Some(account)) = (&mut *conn, event.account) {
            // One customer's events take their order (`seq`) one transaction after the other,
            // whichever rows those transactions lock (a ledger post locks no account row): the
            // order a worker sees is the order of the commits. SQLite has one writer at a time.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 26))")
                .bind::<diesel::sql_types::Text, _>(format!("webhook-order\n{}\n{}", event.tenant, account.0))
                .execute(pg)?;
        }
        let row = event_row(event);
        let deliveries: Vec<NewDeliveryRow> = receiving
            .iter()
            .map(|e| delivery_row(&row, &e.id.0.to_string()))
            .collect();
        diesel::insert_into(webhook_events::table)
            .values(&row)
            .execute(conn)?;
        match conn {
            // One statement for every endpoint.
            DbConnection::Pg(pg) => {
                diesel::insert_into(webhook_deliveries::table)
                    .values(&deliveries)
                    .execute(pg)?;
            }
            DbConnection::Sqlite(sqlite) => {
                for delivery in &deliveries {
                    diesel::insert_into(webhook_deliveries::table)
                        .values(delivery)
                        .execute(sqlite)?;
                }
            }
        }
    }
    Ok(())
}

type Pending = diesel::dsl::Filter<
    diesel::dsl::Filter<webhook_deliveries::table, diesel::dsl::Eq<webhook_deliveries::uuid, String>>,
    diesel::dsl::Eq<webhook_deliveries::status, &'static str>,
>;

/// The delivery, while it is still pending under `claim`.
fn claimed(
    id: String,
    claim: String,
) -> diesel::dsl::Filter<Pending, diesel::dsl::Eq<webhook_deliveries::claim, String>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::uuid.eq(id))
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::claim.eq(claim))
}

fn record_attempt(
    conn: &mut DbConnection,
    row: &DeliveryRow,
    attempt: &Attempt,
) -> Result<(), diesel::result::Error> {
    let tried: i64 = webhook_attempts::table
        .filter(webhook_attempts::tenant_id.eq(&row.tenant_id))
        .filter(webhook_attempts::delivery_uuid.eq(&row.uuid))
        .count()
        .get_result(conn)?;
    diesel::insert_into(webhook_attempts::table)
        .values(AttemptRow {
            tenant_id: row.tenant_id.clone(),
            delivery_uuid: row.uuid.clone(),
            number: tried as i32 + 1,
            attempted_at: to_db_time(attempt.at),
            status_code: attempt.status_code.map(i32::from),
            duration_ms: attempt.duration_ms,
            error: attempt
                .error
                .as_ref()
                .map(|e| e.chars().take(ERROR_MAX).collect()),
        })
        .execute(conn)?;
    Ok(())
}

/// Records an outcome: `apply` runs only if the delivery is still pending under `claim`.
async fn record<F>(
    db: &Database,
    id: DeliveryId,
    claim: ClaimId,
    attempt: Attempt,
    apply: F,
) -> Result<bool, StoreError>
where
    F: FnOnce(&mut DbConnection, &DeliveryRow) -> Result<usize, diesel::result::Error> + Send + 'static,
{
    let (id, claim) = (id.0.to_string(), claim.0.to_string());
    db.write((), move |conn| {
        let held: Option<DeliveryRow> = claimed(id, claim)
            .select(DeliveryRow::as_select())
            .first(conn)
            .optional()?;
        let Some(row) = held else {
            return Ok(false);
        };
        if apply(conn, &row)? != 1 {
            return Ok(false);
        }
        record_attempt(conn, &row, &attempt)?;
        Ok::<_, diesel::result::Error>(true)
    })
    .await?
    .map_err(from_diesel)
}

#[async_trait]
impl WebhookRepository for Database {
    async fn create_endpoint(&self, endpoint: &Endpoint) -> Result<(), StoreError> {
        let row = EndpointRow::from(endpoint);
        let forget = self.memory.forget_endpoints_after(endpoint.tenant.clone());
        self.write_one(forget, move |conn| {
            diesel::insert_into(webhook_endpoints::table)
                .values(&row)
                .execute(conn)
                .map(|_| ())
        })
        .await?
        .map_err(from_diesel)
    }

    async fn endpoints(&self, tenant: &TenantId) -> Result<Vec<Endpoint>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        let rows: Vec<EndpointRow> = with_connection(&self.pool, move |conn| {
            webhook_endpoints::table
                .filter(webhook_endpoints::tenant_id.eq(tenant))
                .order((webhook_endpoints::created_at.asc(), webhook_endpoints::uuid.asc()))
                .select(EndpointRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(Endpoint::try_from).collect()
    }

    async fn endpoint(&self, tenant: &TenantId, id: WebhookId) -> Result<Option<Endpoint>, StoreError> {
        let (tenant, id) = (tenant.as_str().to_owned(), id.0.to_string());
        let row: Option<EndpointRow> = with_connection(&self.pool, move |conn| {
            webhook_endpoints::table
                .filter(webhook_endpoints::tenant_id.eq(tenant))
                .filter(webhook_endpoints::uuid.eq(id))
                .select(EndpointRow::as_select())
                .first(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await?;
        row.map(Endpoint::try_from).transpose()
    }

    async fn update_endpoint(&self, current: &Endpoint, next: &Endpoint) -> Result<bool, StoreError> {
        let (was, row) = (EndpointRow::from(current), EndpointRow::from(next));
        let enabled_again = current.disabled_at.is_some() && next.disabled_at.is_none();
        let forget = self.memory.forget_endpoints_after(next.tenant.clone());
        self.write(forget, move |conn| {
            let this = || {
                webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(row.tenant_id.clone()))
                    .filter(webhook_endpoints::uuid.eq(row.uuid.clone()))
            };
            // Only over the endpoint as it was read: the back office's last change, and the
            // delivery's disabling (the failure streak is the delivery's to keep).
            let as_read = this().filter(webhook_endpoints::updated_at.eq(was.updated_at));
            let changes = || {
                (
                    webhook_endpoints::url.eq(&row.url),
                    webhook_endpoints::events.eq(&row.events),
                    webhook_endpoints::description.eq(&row.description),
                    webhook_endpoints::sealed_secret.eq(&row.sealed_secret),
                    webhook_endpoints::previous_secret.eq(&row.previous_secret),
                    webhook_endpoints::previous_secret_until.eq(row.previous_secret_until),
                    webhook_endpoints::updated_at.eq(row.updated_at),
                    webhook_endpoints::disabled_at.eq(row.disabled_at),
                )
            };
            let changed = match was.disabled_at {
                Some(at) => diesel::update(as_read.filter(webhook_endpoints::disabled_at.eq(at)))
                    .set(changes())
                    .execute(conn)?,
                None => diesel::update(as_read.filter(webhook_endpoints::disabled_at.is_null()))
                    .set(changes())
                    .execute(conn)?,
            };
            if changed == 1 && enabled_again {
                diesel::update(this())
                    .set(webhook_endpoints::failing_since.eq(None::<PrimitiveDateTime>))
                    .execute(conn)?;
                diesel::update(
                    webhook_deliveries::table
                        .filter(webhook_deliveries::tenant_id.eq(row.tenant_id.clone()))
                        .filter(webhook_deliveries::endpoint_uuid.eq(row.uuid.clone()))
                        .filter(webhook_deliveries::status.eq("pending")),
                )
                .set(webhook_deliveries::window_from.eq(row.updated_at))
                .execute(conn)?;
            }
            Ok::<_, diesel::result::Error>(changed == 1)
        })
        .await?
        .map_err(from_diesel)
    }

    async fn delete_endpoint(&self, tenant: &TenantId, id: WebhookId) -> Result<bool, StoreError> {
        let forget = self.memory.forget_endpoints_after(tenant.clone());
        let (tenant, id) = (tenant.as_str().to_owned(), id.0.to_string());
        self.write(forget, move |conn| {
            let deliveries = webhook_deliveries::table
                .filter(webhook_deliveries::tenant_id.eq(tenant.clone()))
                .filter(webhook_deliveries::endpoint_uuid.eq(id.clone()))
                .select(webhook_deliveries::uuid);
            diesel::delete(
                webhook_attempts::table
                    .filter(webhook_attempts::tenant_id.eq(tenant.clone()))
                    .filter(webhook_attempts::delivery_uuid.eq_any(deliveries)),
            )
            .execute(conn)?;
            diesel::delete(
                webhook_deliveries::table
                    .filter(webhook_deliveries::tenant_id.eq(tenant.clone()))
                    .filter(webhook_deliveries::endpoint_uuid.eq(id.clone())),
            )
            .execute(conn)?;
            diesel::delete(
                webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(tenant))
                    .filter(webhook_endpoints::uuid.eq(id)),
            )
            .execute(conn)
            .map(|deleted| deleted == 1)
        })
        .await?
        .map_err(from_diesel)
    }

    async fn enqueue(&self, endpoint: &Endpoint, event: &Event) -> Result<DeliveryId, StoreError> {
        let row = event_row(event);
        let delivery = delivery_row(&row, &endpoint.id.0.to_string());
        let id = DeliveryId(uuid_of(&delivery.uuid, "webhook delivery id")?);
        self.write((), move |conn| {
            diesel::insert_into(webhook_events::table)
                .values(&row)
                .execute(conn)?;
            diesel::insert_into(webhook_deliveries::table)
                .values(&delivery)
                .execute(conn)
                .map(|_| ())
        })
        .await?
        .map_err(from_diesel)?;
        Ok(id)
    }

    async fn deliveries(
        &self,
        tenant: &TenantId,
        endpoint: WebhookId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let (tenant, endpoint) = (tenant.as_str().to_owned(), endpoint.0.to_string());
        let (rows, attempts) = with_connection(&self.pool, move |conn| {
            let mut query = webhook_deliveries::table
                .filter(webhook_deliveries::tenant_id.eq(tenant.clone()))
                .filter(webhook_deliveries::endpoint_uuid.eq(endpoint))
                .into_boxed();
            if let Some(status) = status {
                query = query.filter(webhook_deliveries::status.eq(status.as_str()));
            }
            let rows: Vec<DeliveryRow> = query
                .order((
                    webhook_deliveries::created_at.desc(),
                    webhook_deliveries::seq.desc(),
                ))
                .limit(limit)
                .select(DeliveryRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)?;
            let attempts: Vec<AttemptRow> = webhook_attempts::table
                .filter(webhook_attempts::tenant_id.eq(tenant))
                .filter(
                    webhook_attempts::delivery_uuid
                        .eq_any(rows.iter().map(|r| r.uuid.clone()).collect::<Vec<_>>()),
                )
                .order(webhook_attempts::number.asc())
                .select(AttemptRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)?;
            Ok((rows, attempts))
        })
        .await?;
        let mut by_delivery = attempts_by_delivery(attempts);
        rows.into_iter()
            .map(|row| {
                let attempts = by_delivery.remove(&row.uuid).unwrap_or_default();
                delivery(row, attempts)
            })
            .collect()
    }

    async fn retry(
        &self,
        tenant: &TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
        now: OffsetDateTime,
    ) -> Result<Option<bool>, StoreError> {
        let (tenant, endpoint, id, now) = (
            tenant.as_str().to_owned(),
            endpoint.0.to_string(),
            id.0.to_string(),
            to_db_time(now),
        );
        self.write((), move |conn| {
            let this = || {
                webhook_deliveries::table
                    .filter(webhook_deliveries::tenant_id.eq(tenant.clone()))
                    .filter(webhook_deliveries::endpoint_uuid.eq(endpoint.clone()))
                    .filter(webhook_deliveries::uuid.eq(id.clone()))
            };
            let status: Option<String> = this().select(webhook_deliveries::status).first(conn).optional()?;
            match status.as_deref() {
                None => Ok(None),
                Some("pending") => Ok(Some(false)),
                Some(_) => {
                    let changed = diesel::update(this().filter(webhook_deliveries::status.ne("pending")))
                        .set((
                            webhook_deliveries::status.eq("pending"),
                            webhook_deliveries::next_attempt_at.eq(now),
                            webhook_deliveries::window_from.eq(now),
                            webhook_deliveries::ended_at.eq(None::<PrimitiveDateTime>),
                            webhook_deliveries::claim.eq(None::<String>),
                        ))
                        .execute(conn)?;
                    Ok(Some(changed == 1))
                }
            }
        })
        .await?
        .map_err(from_diesel)
    }

    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
        skip: &[WebhookId],
        per_endpoint: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let (at, until, claim) = (to_db_time(now), to_db_time(now + lease), claim.0.to_string());
        let skip: Vec<String> = skip.iter().map(|s| s.0.to_string()).collect();
        let claimed = self
            .write_one((), move |conn| {
                // Each customer's deliveries to an endpoint go one after the other, in commit
                // order: only the oldest pending one is due. Only to enabled endpoints.
                let due: Vec<DeliveryRow> = webhook_deliveries::table
                    .filter(webhook_deliveries::status.eq("pending"))
                    .filter(webhook_deliveries::next_attempt_at.le(at))
                    .filter(webhook_deliveries::endpoint_uuid.ne_all(skip))
                    .filter(sql::<Bool>(
                        "NOT EXISTS (SELECT 1 FROM webhook_deliveries earlier \
                         WHERE earlier.tenant_id = webhook_deliveries.tenant_id \
                         AND earlier.endpoint_uuid = webhook_deliveries.endpoint_uuid \
                         AND earlier.account_uuid = webhook_deliveries.account_uuid \
                         AND earlier.status = 'pending' AND earlier.seq < webhook_deliveries.seq) \
                         AND EXISTS (SELECT 1 FROM webhook_endpoints e \
                         WHERE e.tenant_id = webhook_deliveries.tenant_id \
                         AND e.uuid = webhook_deliveries.endpoint_uuid AND e.disabled_at IS NULL)",
                    ))
                    .order((
                        webhook_deliveries::next_attempt_at.asc(),
                        webhook_deliveries::seq.asc(),
                    ))
                    .limit(limit.saturating_mul(4))
                    .select(DeliveryRow::as_select())
                    .load(conn)?;
                // One endpoint's backlog never takes every slot.
                let mut taken: HashMap<String, usize> = HashMap::new();
                let due = due.into_iter().filter(|row| {
                    let count = taken.entry(row.endpoint_uuid.clone()).or_default();
                    *count += 1;
                    *count <= per_endpoint.max(1)
                });
                let mut won = Vec::with_capacity(limit.max(0) as usize);
                for row in due.take(limit.max(0) as usize) {
                    // Claimed only if nobody moved it since it was read.
                    let changed = diesel::update(
                        webhook_deliveries::table
                            .filter(webhook_deliveries::tenant_id.eq(row.tenant_id.clone()))
                            .filter(webhook_deliveries::uuid.eq(row.uuid.clone()))
                            .filter(webhook_deliveries::status.eq("pending"))
                            .filter(webhook_deliveries::next_attempt_at.eq(row.next_attempt_at)),
                    )
                    .set((
                        webhook_deliveries::next_attempt_at.eq(until),
                        webhook_deliveries::claim.eq(Some(&claim)),
                    ))
                    .execute(conn)?;
                    if changed == 1 {
                        won.push(row);
                    }
                }
                Ok::<_, diesel::result::Error>(won)
            })
            .await?
            .map_err(from_diesel)?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let rows = claimed.clone();
        let (endpoints, events, attempts, ids) = with_connection(&self.pool, move |conn| {
            let endpoint_ids: Vec<String> = rows.iter().map(|r| r.endpoint_uuid.clone()).collect();
            let event_ids: Vec<String> = rows.iter().map(|r| r.event_id.clone()).collect();
            let delivery_ids: Vec<String> = rows.iter().map(|r| r.uuid.clone()).collect();
            let accounts: Vec<String> = rows.iter().filter_map(|r| r.account_uuid.clone()).collect();
            let endpoints: Vec<EndpointRow> = webhook_endpoints::table
                .filter(webhook_endpoints::uuid.eq_any(endpoint_ids))
                .select(EndpointRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)?;
            let events: Vec<EventRow> = webhook_events::table
                .filter(webhook_events::id.eq_any(event_ids))
                .select(EventRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)?;
            let attempts: Vec<AttemptRow> = webhook_attempts::table
                .filter(webhook_attempts::delivery_uuid.eq_any(delivery_ids))
                .order(webhook_attempts::number.asc())
                .select(AttemptRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)?;
            let ids: Vec<(String, String, i64)> = if accounts.is_empty() {
                Vec::new()
            } else {
                accounts::table
                    .filter(accounts::uuid.eq_any(accounts))
                    .select((accounts::tenant_id, accounts::uuid, accounts::public_id))
                    .load(&mut **conn)
                    .map_err(from_diesel)?
            };
            Ok((endpoints, events, attempts, ids))
        })
        .await?;
        let endpoints: HashMap<(String, String), EndpointRow> = endpoints
            .into_iter()
            .map(|e| ((e.tenant_id.clone(), e.uuid.clone()), e))
            .collect();
        let events: HashMap<(String, String), EventRow> = events
            .into_iter()
            .map(|e| ((e.tenant_id.clone(), e.id.clone()), e))
            .collect();
        let ids: HashMap<(String, String), i64> = ids.into_iter().map(|(t, u, id)| ((t, u), id)).collect();
        let mut by_delivery = attempts_by_delivery(attempts);
        let mut due = Vec::with_capacity(claimed.len());
        for row in claimed {
            // One row that cannot be read (an event type a newer version wrote, say) is left
            // to its lease and named in the log; it never holds up the others.
            let (delivery_id, endpoint_id) = (row.uuid.clone(), row.endpoint_uuid.clone());
            let assembled = (|| {
                let endpoint = endpoints
                    .get(&(row.tenant_id.clone(), row.endpoint_uuid.clone()))
                    .ok_or_else(|| corrupt("webhook delivery without endpoint"))?;
                let event = events
                    .get(&(row.tenant_id.clone(), row.event_id.clone()))
                    .cloned()
                    .ok_or_else(|| corrupt("webhook delivery without event"))?;
                let customer_id = row
                    .account_uuid
                    .as_ref()
                    .and_then(|a| ids.get(&(row.tenant_id.clone(), a.clone())).copied());
                let attempts = by_delivery.remove(&row.uuid).unwrap_or_default();
                Ok::<_, StoreError>(DueDelivery {
                    endpoint: Endpoint::try_from(endpoint.clone())?,
                    event: stored_event(event, customer_id)?,
                    delivery: delivery(row, attempts)?,
                })
            })();
            match assembled {
                Ok(one) => due.push(one),
                Err(error) => tracing::warn!(
                    delivery = %delivery_id, endpoint = %endpoint_id, %error,
                    "a claimed webhook delivery cannot be read; it is left until its lease lapses"
                ),
            }
        }
        Ok(due)
    }

    async fn record_success(
        &self,
        id: DeliveryId,
        claim: ClaimId,
        attempt: &Attempt,
    ) -> Result<bool, StoreError> {
        let at = to_db_time(attempt.at);
        record(self, id, claim, attempt.clone(), move |conn, row| {
            let changed = diesel::update(claimed(row.uuid.clone(), row_claim(row)))
                .set((
                    webhook_deliveries::status.eq("delivered"),
                    webhook_deliveries::delivered_at.eq(Some(at)),
                    webhook_deliveries::ended_at.eq(Some(at)),
                    webhook_deliveries::claim.eq(None::<String>),
                ))
                .execute(conn)?;
            diesel::update(
                webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(row.tenant_id.clone()))
                    .filter(webhook_endpoints::uuid.eq(row.endpoint_uuid.clone())),
            )
            .set(webhook_endpoints::failing_since.eq(None::<PrimitiveDateTime>))
            .execute(conn)?;
            Ok(changed)
        })
        .await
    }

    async fn record_failure(
        &self,
        id: DeliveryId,
        claim: ClaimId,
        failure: &FailedDelivery,
    ) -> Result<bool, StoreError> {
        let at = to_db_time(failure.attempt.at);
        let next = failure.next;
        let disabling = failure.disable_endpoint.clone();
        // An endpoint disabled receives nothing more: memory of what endpoints receive forgets
        // (every tenant's: the delivery names its tenant only once read, and it is rare).
        let memory = self.memory.clone();
        let _forget = disabling
            .is_some()
            .then(|| crate::principal_cache::Forget::new(move || memory.endpoints.clear()));
        record(self, id, claim, failure.attempt.clone(), move |conn, row| {
            let this = claimed(row.uuid.clone(), row_claim(row));
            let changed = match next {
                Retrying::At(next) => diesel::update(this)
                    .set(webhook_deliveries::next_attempt_at.eq(to_db_time(next)))
                    .execute(conn)?,
                Retrying::GiveUp => diesel::update(this)
                    .set((
                        webhook_deliveries::status.eq("abandoned"),
                        webhook_deliveries::ended_at.eq(Some(at)),
                        webhook_deliveries::claim.eq(None::<String>),
                    ))
                    .execute(conn)?,
            };
            let endpoint = || {
                webhook_endpoints::table
                    .filter(webhook_endpoints::tenant_id.eq(row.tenant_id.clone()))
                    .filter(webhook_endpoints::uuid.eq(row.endpoint_uuid.clone()))
            };
            diesel::update(endpoint().filter(webhook_endpoints::failing_since.is_null()))
                .set(webhook_endpoints::failing_since.eq(Some(at)))
                .execute(conn)?;
            if let Some(disabling) = disabling {
                // Only if the streak began early enough (a success meanwhile ends it), and once.
                let disabled = diesel::update(
                    endpoint()
                        .filter(webhook_endpoints::failing_since.le(to_db_time(disabling.failing_since_by)))
                        .filter(webhook_endpoints::disabled_at.is_null()),
                )
                .set(webhook_endpoints::disabled_at.eq(Some(at)))
                .execute(conn)?;
                if disabled == 1 {
                    if let Some(message) = disabling.notice {
                        diesel::insert_into(outbox::table)
                            .values(OutboxRow::from(&message))
                            .execute(conn)?;
                    }
                }
            }
            Ok(changed)
        })
        .await
    }

    async fn prune(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let before = to_db_time(before);
        // In batches, each a write of its own: other writers (SQLite's one writer above all)
        // wait for one batch at most. Attempts go with their delivery (ON DELETE CASCADE).
        let mut gone = 0u64;
        loop {
            let deleted = self
                .write((), move |conn| {
                    let batch: Vec<(String, String)> = webhook_deliveries::table
                        .filter(webhook_deliveries::ended_at.lt(before))
                        .filter(webhook_deliveries::status.eq_any(["delivered", "abandoned"]))
                        .select((webhook_deliveries::tenant_id, webhook_deliveries::uuid))
                        .limit(PRUNE_BATCH)
                        .load(conn)?;
                    for (tenant, uuid) in &batch {
                        diesel::delete(
                            webhook_deliveries::table
                                .filter(webhook_deliveries::tenant_id.eq(tenant))
                                .filter(webhook_deliveries::uuid.eq(uuid))
                                .filter(webhook_deliveries::status.ne("pending")),
                        )
                        .execute(conn)?;
                    }
                    Ok::<_, diesel::result::Error>(batch.len())
                })
                .await?
                .map_err(from_diesel)?;
            gone += deleted as u64;
            if (deleted as i64) < PRUNE_BATCH {
                break;
            }
        }
        loop {
            let deleted = self
                .write((), move |conn| {
                    let orphans: Vec<(String, String)> = webhook_events::table
                        .filter(webhook_events::created_at.lt(before))
                        .filter(diesel::dsl::not(diesel::dsl::exists(
                            webhook_deliveries::table
                                .filter(webhook_deliveries::tenant_id.eq(webhook_events::tenant_id))
                                .filter(webhook_deliveries::event_id.eq(webhook_events::id)),
                        )))
                        .select((webhook_events::tenant_id, webhook_events::id))
                        // Oldest first, along the index on the creation: a batch reads what
                        // it removes, not the whole table.
                        .order(webhook_events::created_at.asc())
                        .limit(PRUNE_BATCH)
                        .load(conn)?;
                    for (tenant, id) in &orphans {
                        diesel::delete(
                            webhook_events::table
                                .filter(webhook_events::tenant_id.eq(tenant))
                                .filter(webhook_events::id.eq(id)),
                        )
                        .execute(conn)?;
                    }
                    Ok::<_, diesel::result::Error>(orphans.len())
                })
                .await?
                .map_err(from_diesel)?;
            if (deleted as i64) < PRUNE_BATCH {
                break;
            }
        }
        Ok(gone)
    }

    async fn backlog(&self) -> Result<(u64, Option<OffsetDateTime>), StoreError> {
        let (count, oldest): (i64, Option<PrimitiveDateTime>) = with_connection(&self.pool, |conn| {
            webhook_deliveries::table
                .filter(webhook_deliveries::status.eq("pending"))
                .select((
                    diesel::dsl::count_star(),
                    diesel::dsl::min(webhook_deliveries::created_at),
                ))
                .first(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        Ok((count.max(0) as u64, oldest.map(from_db_time)))
    }
}
