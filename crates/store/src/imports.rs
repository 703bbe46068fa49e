//! Customer imports: new accounts written by the batch, and the records of runs.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use clientele_domain::account::{Account, AccountUuid};
use clientele_domain::audit::AuditEntry;
use clientele_domain::imports::{ImportCounts, ImportId, ImportRecord, ImportStatus, RefusedLine};
use clientele_domain::ports::{CustomerImports, Existing, Placed, StoreError, UniqueKey};
use clientele_domain::tenant::TenantId;
use clientele_domain::webhooks::Event;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use serde_json::{json, Value};
use time::PrimitiveDateTime;
use uuid::Uuid;

use crate::audit::{announce as log_audit, AuditRow};
use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::rows::{from_db_time, to_db_time, AccountRow};
use crate::schema::{accounts, audit_log, customer_imports};
use crate::webhooks::announce;

/// Rows per INSERT statement: SQLite takes at most 32,766 parameters, an account row has ~35.
const ROWS_PER_STATEMENT: usize = 500;

/// Why a batch's transaction ends without committing.
enum Undo {
    Db(diesel::result::Error),
    /// A dry run: what would have happened, all of it rolled back.
    Rehearsed(Vec<Placed>),
}

impl From<diesel::result::Error> for Undo {
    fn from(e: diesel::result::Error) -> Self {
        Undo::Db(e)
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_imports, treat_none_as_null = true)]
struct ImportRow {
    tenant_id: String,
    id: String,
    status: String,
    started_at: PrimitiveDateTime,
    progressed_at: PrimitiveDateTime,
    finished_at: Option<PrimitiveDateTime>,
    lines: i64,
    imported: i64,
    updated: i64,
    skipped: i64,
    refused: i64,
    refusals: String,
}

impl From<&ImportRecord> for ImportRow {
    fn from(r: &ImportRecord) -> Self {
        let refusals: Vec<Value> = r
            .refusals
            .iter()
            .map(|l| json!({"line": l.line, "email": l.email, "reason": l.reason}))
            .collect();
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        ImportRow {
            tenant_id: r.tenant.to_string(),
            id: r.id.0.to_string(),
            status: r.status.as_str().to_owned(),
            started_at: to_db_time(r.started_at),
            progressed_at: to_db_time(r.progressed_at),
            finished_at: r.finished_at.map(to_db_time),
            lines: count(r.counts.lines),
            imported: count(r.counts.imported),
            updated: count(r.counts.updated),
            skipped: count(r.counts.skipped),
            refused: count(r.counts.refused),
            refusals: Value::Array(refusals).to_string(),
        }
    }
}

impl TryFrom<ImportRow> for ImportRecord {
    type Error = StoreError;

    fn try_from(row: ImportRow) -> Result<Self, StoreError> {
        let bad = || corrupt("import record");
        let refusals: Vec<Value> = serde_json::from_str(&row.refusals).map_err(|_| bad())?;
        let refusals = refusals
            .into_iter()
            .map(|v| {
                Some(RefusedLine {
                    line: v.get("line")?.as_u64()?,
                    email: v.get("email").and_then(Value::as_str).map(str::to_owned),
                    reason: v.get("reason")?.as_str()?.to_owned(),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(ImportRecord {
            id: ImportId(Uuid::parse_str(&row.id).map_err(|_| bad())?),
            tenant: TenantId::parse(&row.tenant_id).ok_or_else(bad)?,
            dry_run: false,
            status: ImportStatus::parse(&row.status).ok_or_else(bad)?,
            started_at: from_db_time(row.started_at),
            progressed_at: from_db_time(row.progressed_at),
            finished_at: row.finished_at.map(from_db_time),
            counts: ImportCounts {
                lines: count(row.lines),
                imported: count(row.imported),
                updated: count(row.updated),
                skipped: count(row.skipped),
                refused: count(row.refused),
            },
            refusals,
        })
    }
}

/// The accounts of `tenant` among `keys` of `column` (emails or external ids), by key: each
/// one's uuid and external id.
macro_rules! existing_by {
    ($conn:expr, $tenant:expr, $column:expr, $keys:expr) => {{
        let keys: Vec<String> = $keys;
        let mut found: HashMap<String, (String, Option<String>)> = HashMap::new();
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<(Option<String>, String, Option<String>)> = accounts::table
                .filter(accounts::tenant_id.eq($tenant))
                .filter($column.eq_any(chunk))
                .select(($column, accounts::uuid, accounts::external_id))
                .load($conn)?;
            found.extend(
                rows.into_iter()
                    .filter_map(|(key, uuid, external_id)| Some((key?, (uuid, external_id)))),
            );
        }
        found
    }};
}

/// Writes the batch: the accounts inserted many to a statement, skipping every conflict; the
/// rows a conflict kept out are then matched by email and external id (the customer is there
/// already) or, failing that, tried one by one in a savepoint to learn which key is taken.
fn insert_batch(
    conn: &mut DbConnection,
    tenant: &str,
    rows: Vec<AccountRow>,
) -> Result<Vec<Placed>, diesel::result::Error> {
    if let DbConnection::Pg(pg) = conn {
        // A statement prepared while the table was small keeps a generic plan that scans it:
        // each batch plans its lookups for the table as it is.
        diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(pg)?;
    }
    let mut inserted = HashSet::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let uuids: Vec<String> = match conn {
            DbConnection::Pg(pg) => diesel::insert_into(accounts::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .returning(accounts::uuid)
                .get_results(pg)?,
            // SQLite: diesel writes a batch row by row there anyway (and reads RETURNING the
            // same way, failing on a row the conflict kept out): one statement per row, inside
            // the one transaction.
            DbConnection::Sqlite(sqlite) => {
                let mut written = Vec::with_capacity(chunk.len());
                for row in chunk {
                    let count = diesel::insert_into(accounts::table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(sqlite)?;
                    if count == 1 {
                        written.push(row.uuid.clone());
                    }
                }
                written
            }
        };
        inserted.extend(uuids);
    }
    let left: Vec<&AccountRow> = rows.iter().filter(|r| !inserted.contains(&r.uuid)).collect();
    let emails = existing_by!(
        conn,
        tenant,
        accounts::email_normalized,
        left.iter().filter_map(|r| r.email_normalized.clone()).collect()
    );
    let external = existing_by!(
        conn,
        tenant,
        accounts::external_id,
        left.iter().filter_map(|r| r.external_id.clone()).collect()
    );
    let existing = |row: &AccountRow| {
        let by_email = row.email_normalized.as_ref().and_then(|k| emails.get(k));
        let by_external = row.external_id.as_ref().and_then(|k| external.get(k));
        let ((uuid, external_id), by_email_found) = match (by_email, by_external) {
            (Some(found), _) => (found, true),
            (None, Some(found)) => (found, false),
            (None, None) => return None,
        };
        let other = by_external
            .filter(|(other, _)| other != uuid)
            .map(|(other, _)| parse_uuid(other));
        Some(Placed::Existing(Existing {
            uuid: parse_uuid(uuid),
            external_id: external_id.clone(),
            by_email: by_email_found,
            other,
        }))
    };
    let mut placed = Vec::with_capacity(rows.len());
    for row in &rows {
        if inserted.contains(&row.uuid) {
            placed.push(Placed::Imported);
            continue;
        }
        if let Some(found) = existing(row) {
            placed.push(found);
            continue;
        }
        // Kept out by another key (or written meanwhile by someone else): which one?
        let alone = conn.transaction(|c| diesel::insert_into(accounts::table).values(row).execute(c));
        placed.push(match alone {
            Ok(_) => Placed::Imported,
            Err(e @ diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                match from_diesel(e) {
                    StoreError::Duplicate(key) => Placed::Taken(key),
                    _ => Placed::Taken(UniqueKey::Id),
                }
            }
            Err(other) => return Err(other),
        });
    }
    Ok(placed)
}

fn parse_uuid(raw: &str) -> AccountUuid {
    AccountUuid(Uuid::parse_str(raw).unwrap_or_default())
}

#[async_trait]
impl CustomerImports for Database {
    async fn insert_new(
        &self,
        tenant: &TenantId,
        batch: &[Account],
        keep: bool,
    ) -> Result<Vec<Placed>, StoreError> {
        let tenant = tenant.to_string();
        let rows: Vec<AccountRow> = batch.iter().map(AccountRow::from).collect();
        let done = self
            .write((), move |conn| {
                let placed = insert_batch(conn, &tenant, rows)?;
                if keep {
                    Ok(placed)
                } else {
                    Err(Undo::Rehearsed(placed))
                }
            })
            .await?;
        match done {
            Ok(placed) | Err(Undo::Rehearsed(placed)) => Ok(placed),
            Err(Undo::Db(e)) => Err(from_diesel(e)),
        }
    }

    async fn save(&self, record: &ImportRecord) -> Result<(), StoreError> {
        let row = ImportRow::from(record);
        self.write_one((), move |conn| upsert(conn, &row))
            .await?
            .map_err(from_diesel)?;
        Ok(())
    }

    async fn finish(
        &self,
        record: &ImportRecord,
        audit: &AuditEntry,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let row = ImportRow::from(record);
        let entry = AuditRow::from(audit);
        let events = events.to_vec();
        self.write((), move |conn| {
            upsert(conn, &row)?;
            diesel::insert_into(audit_log::table)
                .values(&entry)
                .execute(conn)?;
            announce(conn, &events)
        })
        .await?
        .map_err(from_diesel)?;
        log_audit(std::slice::from_ref(audit));
        Ok(())
    }

    async fn find(&self, tenant: &TenantId, id: ImportId) -> Result<Option<ImportRecord>, StoreError> {
        let (tenant, id) = (tenant.to_string(), id.0.to_string());
        let row = with_connection(&self.pool, move |conn| {
            customer_imports::table
                .filter(customer_imports::tenant_id.eq(tenant))
                .filter(customer_imports::id.eq(id))
                .select(ImportRow::as_select())
                .first(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await?;
        row.map(ImportRecord::try_from).transpose()
    }

    async fn recent(&self, tenant: &TenantId, limit: i64) -> Result<Vec<ImportRecord>, StoreError> {
        let tenant = tenant.to_string();
        let rows = with_connection(&self.pool, move |conn| {
            customer_imports::table
                .filter(customer_imports::tenant_id.eq(tenant))
                .order((customer_imports::started_at.desc(), customer_imports::id.desc()))
                .limit(limit)
                .select(ImportRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(ImportRecord::try_from).collect()
    }
}

fn upsert(conn: &mut DbConnection, row: &ImportRow) -> Result<usize, diesel::result::Error> {
    let changed = diesel::update(
        customer_imports::table
            .filter(customer_imports::tenant_id.eq(&row.tenant_id))
            .filter(customer_imports::id.eq(&row.id)),
    )
    .set(row)
    .execute(conn)?;
    if changed > 0 {
        return Ok(changed);
    }
    diesel::insert_into(customer_imports::table)
        .values(row)
        .execute(conn)
}
