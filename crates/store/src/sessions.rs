use async_trait::async_trait;
use clientele_domain::account::{Account, AccountStatus, AccountUuid};
use clientele_domain::audit::AuditEntry;
use clientele_domain::ports::{SessionRepository, StoreError};
use clientele_domain::session::{Session, SessionId};
use clientele_domain::tenant::TenantId;
use clientele_domain::values::PasswordHash;
use diesel::prelude::*;
use time::OffsetDateTime;

use crate::audit::{announce, AuditRow};
use crate::blocking::with_connection;
use crate::connection::DbConnection;
use crate::database::Database;
use crate::errors::{corrupt, from_diesel};
use crate::rows::{to_db_time, AccountRow, SessionRow};
use crate::schema::{accounts, audit_log, sessions};

enum Rollback {
    Db(diesel::result::Error),
    Corrupt,
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Db(e)
    }
}

/// The account's sessions live at `now`, newest first (a macro: the query's type is diesel's).
macro_rules! live_of {
    ($tenant:expr, $account:expr, $now:expr) => {
        sessions::table
            .filter(sessions::tenant_id.eq($tenant))
            .filter(sessions::account_uuid.eq($account))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt($now))
            .order((sessions::created_at.desc(), sessions::uuid.desc()))
            .select(SessionRow::as_select())
    };
}

#[async_trait]
impl SessionRepository for Database {
    async fn create(
        &self,
        session: &Session,
        password: Option<PasswordHash>,
        audit: &[AuditEntry],
    ) -> Result<bool, StoreError> {
        let row = SessionRow::from(session);
        let (entries, audit) = (audit, audit.iter().map(AuditRow::from).collect::<Vec<_>>());
        let opened = self
            .write((), move |conn| {
                let its_account = accounts::table
                    .filter(accounts::uuid.eq(row.account_uuid.clone()))
                    .filter(accounts::tenant_id.eq(row.tenant_id.clone()))
                    .select((accounts::status, accounts::password_hash));
                // PostgreSQL: a share lock, which a closing's update of the account waits for
                // (and which waits for a closing under way). SQLite: the write transaction
                // already excludes every other writer.
                let found: Option<(String, Option<String>)> = match conn {
                    DbConnection::Pg(pg) => its_account.for_share().first(pg).optional()?,
                    DbConnection::Sqlite(sqlite) => its_account.first(sqlite).optional()?,
                };
                let Some((status, stored_hash)) = found else {
                    return Ok(false);
                };
                let status = AccountStatus::parse(&status).ok_or(Rollback::Corrupt)?;
                let same_password = password
                    .as_ref()
                    .is_none_or(|checked| stored_hash.as_deref() == Some(checked.as_str()));
                let open = status.may_sign_in() && same_password;
                if open {
                    diesel::insert_into(sessions::table).values(&row).execute(conn)?;
                    for entry in &audit {
                        diesel::insert_into(audit_log::table)
                            .values(entry)
                            .execute(conn)?;
                    }
                }
                Ok(open)
            })
            .await?
            .map_err(|e| match e {
                Rollback::Db(e) => from_diesel(e),
                Rollback::Corrupt => corrupt("account status"),
            })?;
        if opened {
            announce(entries);
        }
        Ok(opened)
    }

    async fn find_active(
        &self,
        id: SessionId,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, Account)>, StoreError> {
        if let Some(held) = self.memory.principals.get(id, now) {
            return Ok(Some(held));
        }
        let began = self.memory.principals.generation();
        let (id, now) = (id.0.to_string(), to_db_time(now));
        let rows = with_connection(&self.pool, move |conn| {
            sessions::table
                .inner_join(accounts::table)
                // An account is (tenant, uuid): a uuid alone may name accounts of two tenants.
                .filter(accounts::tenant_id.eq(sessions::tenant_id))
                .filter(sessions::uuid.eq(id))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::expires_at.gt(now))
                .select((SessionRow::as_select(), AccountRow::as_select()))
                .load::<(SessionRow, AccountRow)>(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        let Some((session, account)) = rows.into_iter().next() else {
            return Ok(None);
        };
        let (session, account): (Session, Account) = (session.try_into()?, account.try_into()?);
        self.memory
            .principals
            .put(began, session.clone(), account.clone());
        Ok(Some((session, account)))
    }

    async fn revoke(&self, id: SessionId, now: OffsetDateTime) -> Result<bool, StoreError> {
        let forget = self.memory.forget_session_after(id);
        let (id, now) = (id.0.to_string(), to_db_time(now));
        let changed = self
            .write_one(forget, move |conn| {
                diesel::update(
                    sessions::table
                        .filter(sessions::uuid.eq(id))
                        .filter(sessions::revoked_at.is_null()),
                )
                .set(sessions::revoked_at.eq(Some(now)))
                .execute(conn)
            })
            .await?
            .map_err(from_diesel)?;
        Ok(changed > 0)
    }

    async fn revoke_all(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        keep: Option<SessionId>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let forget = self.memory.forget_account_after(account);
        let (tenant, account, now) = (tenant.as_str().to_owned(), account.0.to_string(), to_db_time(now));
        let keep = keep.map(|k| k.0.to_string()).unwrap_or_default();
        let changed = self
            .write_one(forget, move |conn| {
                diesel::update(
                    sessions::table
                        .filter(sessions::tenant_id.eq(tenant))
                        .filter(sessions::account_uuid.eq(account))
                        .filter(sessions::uuid.ne(keep))
                        .filter(sessions::revoked_at.is_null()),
                )
                .set(sessions::revoked_at.eq(Some(now)))
                .execute(conn)
            })
            .await?
            .map_err(from_diesel)?;
        Ok(changed as u64)
    }

    async fn latest_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        let (tenant, account, now) = (tenant.as_str().to_owned(), account.0.to_string(), to_db_time(now));
        let row = with_connection(&self.pool, move |conn| {
            live_of!(tenant, account, now)
                .first(&mut **conn)
                .optional()
                .map_err(from_diesel)
        })
        .await?;
        row.map(Session::try_from).transpose()
    }

    async fn list_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<Vec<Session>, StoreError> {
        let (tenant, account, now) = (tenant.as_str().to_owned(), account.0.to_string(), to_db_time(now));
        let rows = with_connection(&self.pool, move |conn| {
            live_of!(tenant, account, now)
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(Session::try_from).collect()
    }

    async fn touch(
        &self,
        tenant: &TenantId,
        id: SessionId,
        now: OffsetDateTime,
        seen_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // Held as seen first: a write that fails is not tried again by every request after it.
        self.memory.principals.seen(id, now);
        let (tenant, uuid) = (tenant.as_str().to_owned(), id.0.to_string());
        let (at, before) = (to_db_time(now), to_db_time(seen_before));
        self.write_one((), move |conn| {
            diesel::update(
                sessions::table
                    .filter(sessions::tenant_id.eq(tenant))
                    .filter(sessions::uuid.eq(uuid))
                    .filter(
                        sessions::last_seen_at
                            .is_null()
                            .or(sessions::last_seen_at.lt(before)),
                    ),
            )
            .set(sessions::last_seen_at.eq(Some(at)))
            .execute(conn)
        })
        .await?
        .map_err(from_diesel)?;
        Ok(())
    }

    async fn count_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let (tenant, account, now) = (tenant.as_str().to_owned(), account.0.to_string(), to_db_time(now));
        with_connection(&self.pool, move |conn| {
            sessions::table
                .filter(sessions::tenant_id.eq(tenant))
                .filter(sessions::account_uuid.eq(account))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::expires_at.gt(now))
                .count()
                .get_result::<i64>(&mut **conn)
                .map_err(from_diesel)
        })
        .await
    }
}
