use async_trait::async_trait;
use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::audit::AuditEntry;
use clientele_domain::customer_search::{CustomerQuery, SearchKey};
use clientele_domain::ports::{AccountRepository, StoreError};
use clientele_domain::tenant::TenantId;
use clientele_domain::values::PasswordHash;
use diesel::prelude::*;
use time::OffsetDateTime;

use crate::audit::{announce, AuditRow};
use crate::blocking::with_connection;
use crate::database::Database;
use crate::errors::from_diesel;
use crate::rows::{to_db_time, AccountRow};
use crate::schema::accounts::dsl;
use crate::schema::audit_log;

fn load(rows: Vec<AccountRow>) -> Result<Option<Account>, StoreError> {
    rows.into_iter().next().map(Account::try_from).transpose()
}

impl Database {
    async fn find_account<F>(&self, filter: F) -> Result<Option<Account>, StoreError>
    where
        F: FnOnce(&mut crate::connection::DbConnection) -> QueryResult<Vec<AccountRow>> + Send + 'static,
    {
        let rows = with_connection(&self.pool, move |conn| filter(conn).map_err(from_diesel)).await?;
        load(rows)
    }
}

#[async_trait]
impl AccountRepository for Database {
    async fn insert(&self, account: &Account) -> Result<(), StoreError> {
        let row = AccountRow::from(account);
        self.write_one((), move |conn| {
            diesel::insert_into(dsl::accounts).values(&row).execute(conn)
        })
        .await?
        .map_err(from_diesel)?;
        Ok(())
    }

    async fn find_by_uuid(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
    ) -> Result<Option<Account>, StoreError> {
        let (tenant, uuid) = (tenant.as_str().to_owned(), uuid.0.to_string());
        self.find_account(move |conn| {
            dsl::accounts
                .filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(uuid)))
                .select(AccountRow::as_select())
                .load(conn)
        })
        .await
    }

    async fn find_by_public_id(
        &self,
        tenant: &TenantId,
        id: PublicId,
    ) -> Result<Option<Account>, StoreError> {
        let tenant = tenant.as_str().to_owned();
        self.find_account(move |conn| {
            dsl::accounts
                .filter(dsl::tenant_id.eq(tenant).and(dsl::public_id.eq(id.0)))
                .select(AccountRow::as_select())
                .load(conn)
        })
        .await
    }

    async fn find_by_email(
        &self,
        tenant: &TenantId,
        normalized_email: &str,
    ) -> Result<Option<Account>, StoreError> {
        let (tenant, email) = (tenant.as_str().to_owned(), normalized_email.to_owned());
        self.find_account(move |conn| {
            dsl::accounts
                .filter(dsl::tenant_id.eq(tenant).and(dsl::email_normalized.eq(email)))
                .select(AccountRow::as_select())
                .load(conn)
        })
        .await
    }

    async fn find_by_phone(&self, tenant: &TenantId, phone: &str) -> Result<Option<Account>, StoreError> {
        let (tenant, phone) = (tenant.as_str().to_owned(), phone.to_owned());
        self.find_account(move |conn| {
            dsl::accounts
                .filter(dsl::tenant_id.eq(tenant).and(dsl::phone.eq(phone)))
                .select(AccountRow::as_select())
                .load(conn)
        })
        .await
    }

    async fn search(&self, query: &CustomerQuery) -> Result<Vec<Account>, StoreError> {
        let query = query.clone();
        let rows = with_connection(&self.pool, move |conn| {
            let mut found = dsl::accounts
                .filter(dsl::tenant_id.eq(query.tenant.as_str().to_owned()))
                .into_boxed();
            found = match &query.key {
                SearchKey::All => found,
                SearchKey::EmailPrefix(p) => found
                    .filter(dsl::email_key.ge(p.clone()))
                    .filter(dsl::email_key.lt(CustomerQuery::prefix_end(p))),
                SearchKey::FirstNamePrefix(p) => found
                    .filter(dsl::first_name_key.ge(p.clone()))
                    .filter(dsl::first_name_key.lt(CustomerQuery::prefix_end(p))),
                SearchKey::LastNamePrefix(p) => found
                    .filter(dsl::last_name_key.ge(p.clone()))
                    .filter(dsl::last_name_key.lt(CustomerQuery::prefix_end(p))),
                SearchKey::Phone(phone) => found.filter(dsl::phone.eq(phone.clone())),
                SearchKey::PublicId(id) => found.filter(dsl::public_id.eq(id.0)),
                SearchKey::Uuid(uuid) => found.filter(dsl::uuid.eq(uuid.0.to_string())),
                SearchKey::ExternalId(id) => found.filter(dsl::external_id.eq(id.clone())),
            };
            if let Some(status) = query.status {
                found = found.filter(dsl::status.eq(status.as_str()));
            }
            if let Some(from) = query.created_from {
                found = found.filter(dsl::created_at.ge(to_db_time(from)));
            }
            if let Some(before) = query.created_before {
                found = found.filter(dsl::created_at.lt(to_db_time(before)));
            }
            if let Some(after) = query.after {
                let at = to_db_time(after.created_at);
                // The first bound is a range the index serves; the second is exact.
                found = found.filter(dsl::created_at.le(at)).filter(
                    dsl::created_at
                        .lt(at)
                        .or(dsl::created_at.eq(at).and(dsl::public_id.lt(after.public_id.0))),
                );
            }
            found
                .order((dsl::created_at.desc(), dsl::public_id.desc()))
                .limit(query.limit)
                .select(AccountRow::as_select())
                .load(&mut **conn)
                .map_err(from_diesel)
        })
        .await?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn update(&self, account: &Account) -> Result<Account, StoreError> {
        let forget = self.memory.forget_account_after(account.uuid);
        let expected = account.version;
        let mut row = AccountRow::from(account);
        row.version = expected + 1;
        let changed = self
            .write_one(forget, move |conn| {
                diesel::update(
                    dsl::accounts.filter(
                        dsl::uuid
                            .eq(row.uuid.clone())
                            .and(dsl::tenant_id.eq(row.tenant_id.clone()))
                            .and(dsl::version.eq(expected)),
                    ),
                )
                .set(&row)
                .execute(conn)
            })
            .await?
            .map_err(from_diesel)?;
        if changed == 0 {
            return Err(StoreError::VersionMismatch);
        }
        Ok(Account {
            version: expected + 1,
            ..account.clone()
        })
    }

    async fn record_sign_in_failure(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        audit: &AuditEntry,
    ) -> Result<i32, StoreError> {
        let forget = self.memory.forget_account_after(uuid);
        let (tenant, uuid) = (tenant.as_str().to_owned(), uuid.0.to_string());
        let (entry, audit) = (audit, AuditRow::from(audit));
        // The increment happens in the database, and the read-back in the same transaction
        // sees our own write, so concurrent failures are each counted once.
        let failures = self
            .write(forget, move |conn| {
                let this = dsl::accounts.filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(uuid)));
                // Not for an account erased meanwhile: its entries keep no client address.
                let counted = diesel::update(
                    this.clone()
                        .filter(dsl::status.ne(AccountStatus::Erased.as_str())),
                )
                .set((
                    dsl::failed_sign_ins.eq(dsl::failed_sign_ins + 1),
                    dsl::version.eq(dsl::version + 1),
                ))
                .execute(conn)?;
                if counted == 1 {
                    diesel::insert_into(audit_log::table)
                        .values(&audit)
                        .execute(conn)?;
                }
                let failures = this.select(dsl::failed_sign_ins).first::<i32>(conn)?;
                Ok((failures, counted == 1))
            })
            .await?
            .map_err(from_diesel)?;
        if failures.1 {
            announce(std::slice::from_ref(entry));
        }
        Ok(failures.0)
    }

    async fn lock_sign_in(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        until: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let forget = self.memory.forget_account_after(uuid);
        let (tenant, uuid) = (tenant.as_str().to_owned(), uuid.0.to_string());
        let (entry, audit) = (audit, AuditRow::from(audit));
        let locked = self
            .write(forget, move |conn| {
                let locked = diesel::update(
                    dsl::accounts
                        .filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(uuid)))
                        .filter(dsl::status.ne(AccountStatus::Erased.as_str())),
                )
                .set((
                    dsl::sign_in_locked_until.eq(Some(to_db_time(until))),
                    dsl::version.eq(dsl::version + 1),
                ))
                .execute(conn)?;
                if locked == 1 {
                    diesel::insert_into(audit_log::table)
                        .values(&audit)
                        .execute(conn)?;
                }
                Ok(locked == 1)
            })
            .await?
            .map_err(from_diesel)?;
        if locked {
            announce(std::slice::from_ref(entry));
        }
        Ok(())
    }

    async fn reset_sign_in_failures(&self, tenant: &TenantId, uuid: AccountUuid) -> Result<(), StoreError> {
        let forget = self.memory.forget_account_after(uuid);
        let (tenant, uuid) = (tenant.as_str().to_owned(), uuid.0.to_string());
        self.write_one(forget, move |conn| {
            diesel::update(dsl::accounts.filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(uuid))))
                .set((
                    dsl::failed_sign_ins.eq(0),
                    dsl::sign_in_locked_until.eq(None::<time::PrimitiveDateTime>),
                    dsl::version.eq(dsl::version + 1),
                ))
                .execute(conn)
        })
        .await?
        .map_err(from_diesel)?;
        Ok(())
    }

    async fn replace_password_hash(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        from: &PasswordHash,
        to: &PasswordHash,
    ) -> Result<bool, StoreError> {
        let forget = self.memory.forget_account_after(uuid);
        let (tenant, uuid) = (tenant.as_str().to_owned(), uuid.0.to_string());
        let (from, to) = (from.as_str().to_owned(), to.as_str().to_owned());
        let replaced = self
            .write_one(forget, move |conn| {
                diesel::update(
                    dsl::accounts
                        .filter(dsl::tenant_id.eq(tenant).and(dsl::uuid.eq(uuid)))
                        .filter(dsl::password_hash.eq(from)),
                )
                .set((dsl::password_hash.eq(to), dsl::version.eq(dsl::version + 1)))
                .execute(conn)
            })
            .await?
            .map_err(from_diesel)?;
        Ok(replaced == 1)
    }
}
