use async_trait::async_trait;
use clientele_domain::account::AccountUuid;
use clientele_domain::audit::Actor;

use clientele_domain::flow::{recipient_key, FlowWrite, Purpose, SendClass, SendLimit};
use clientele_domain::ports::{AccountWrite, Commit, StoreError, UnitOfWork};
use diesel::prelude::*;

use crate::audit::{announce, AuditRow};
use crate::connection::DbConnection;
use crate::database::Database;
use crate::deletion_requests::DeletionRequestRow;
use crate::errors::from_diesel;
use crate::flow_rows::{FlowRow, OutboxRow, ERASED};
use crate::rows::{to_db_time, AccountRow, SessionRow};
use crate::schema::{accounts, audit_log, deletion_requests, flows, outbox, sessions, webhook_events};

/// Why a transaction was rolled back.
enum Rollback {
    Db(diesel::result::Error),
    /// A version-checked account update found the account changed.
    AccountChanged,
    /// A conditional flow write found the flow changed.
    FlowChanged,
    /// A decision found its deletion request decided already.
    AlreadyDecided,
    /// A recipient was sent as many messages as the commit's send limit allows.
    SendLimited,
    /// The session the commit replaces was signed out or expired meanwhile.
    SessionEnded,
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Db(e)
    }
}

fn exactly_one(changed: usize, otherwise: Rollback) -> Result<(), Rollback> {
    if changed == 1 {
        Ok(())
    } else {
        Err(otherwise)
    }
}

/// Refuses the commit if one of its messages' recipients was sent as many messages of `class`
/// within the window as the limit allows (the domain decides: [`SendLimit::allows`]); this
/// only counts. On PostgreSQL a transaction-scoped advisory lock per recipient makes concurrent
/// commits count one after the other (SQLite's write transaction already does).
fn keep_within(
    conn: &mut DbConnection,
    (limit, class): (SendLimit, SendClass),
    commit: &Commit,
) -> Result<(), Rollback> {
    let since = to_db_time(limit.window_start(commit.now));
    for ((tenant, recipient), sending) in commit.sends_by_recipient() {
        if let DbConnection::Pg(pg) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
                .bind::<diesel::sql_types::Text, _>(format!("send-limit\n{tenant}\n{recipient}"))
                .execute(pg)?;
        }
        let sent: i64 = outbox::table
            .filter(outbox::tenant_id.eq(tenant.as_str()))
            .filter(outbox::send_class.eq(class.as_str()))
            .filter(outbox::recipient_key.eq(&recipient))
            .filter(outbox::created_at.ge(since))
            .count()
            .get_result(conn)?;
        if !limit.allows(sent.max(0) as u64, sending) {
            return Err(Rollback::SendLimited);
        }
    }
    Ok(())
}

/// Applies `commit`; the accounts whose email change it wrote (their waiting change as memory
/// holds it is forgotten once the commit is over).
fn apply(conn: &mut DbConnection, commit: &Commit) -> Result<Vec<AccountUuid>, Rollback> {
    let now = to_db_time(commit.now);
    let mut email_changes = Vec::new();
    let email_change = Purpose::EmailChange.as_str();
    for write in &commit.accounts {
        match write {
            AccountWrite::Insert(account) => {
                diesel::insert_into(accounts::table)
                    .values(AccountRow::from(account))
                    .execute(conn)?;
            }
            AccountWrite::Unchanged(account) => {
                // Sets nothing new, but takes the row lock on PostgreSQL and checks the version.
                let changed = diesel::update(
                    accounts::table
                        .filter(accounts::uuid.eq(account.uuid.0.to_string()))
                        .filter(accounts::tenant_id.eq(account.tenant.as_str()))
                        .filter(accounts::version.eq(account.version)),
                )
                .set(accounts::version.eq(accounts::version))
                .execute(conn)?;
                exactly_one(changed, Rollback::AccountChanged)?;
            }
            AccountWrite::Update(account) => {
                let mut row = AccountRow::from(account);
                row.version = account.version + 1;
                let changed = diesel::update(
                    accounts::table
                        .filter(accounts::uuid.eq(row.uuid.clone()))
                        .filter(accounts::tenant_id.eq(row.tenant_id.clone()))
                        .filter(accounts::version.eq(account.version)),
                )
                .set(&row)
                .execute(conn)?;
                exactly_one(changed, Rollback::AccountChanged)?;
            }
        }
    }
    if let Some((tenant, session)) = &commit.caller_session {
        // After the account writes: on PostgreSQL (read committed) a statement that begins
        // after this transaction waited for the account's row lock sees what the transaction
        // it waited for committed, revocations included; SQLite has one writer at a time.
        // PostgreSQL: the session row is held (`FOR SHARE`) until the commit ends, so a
        // revocation that does not touch the account cannot slip in between either.
        let live = sessions::table
            .filter(sessions::tenant_id.eq(tenant.as_str()))
            .filter(sessions::uuid.eq(session.0.to_string()))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .select(sessions::uuid);
        let found: Vec<String> = match conn {
            DbConnection::Pg(pg) => live.for_share().load(pg)?,
            DbConnection::Sqlite(sqlite) => live.load(sqlite)?,
        };
        exactly_one(found.len(), Rollback::SessionEnded)?;
    }
    for write in &commit.flows {
        match write {
            FlowWrite::Insert(flow) => {
                diesel::insert_into(flows::table)
                    .values(FlowRow::from(flow))
                    .execute(conn)?;
                if flow.purpose == Purpose::EmailChange {
                    email_changes.push(flow.account);
                }
            }
            FlowWrite::Replace(flow) => {
                let row = FlowRow::from(flow);
                let changed = diesel::update(
                    flows::table
                        .filter(flows::tenant_id.eq(row.tenant_id.clone()))
                        .filter(flows::uuid.eq(row.uuid.clone()))
                        .filter(flows::version.eq(flow.version))
                        .filter(flows::status.eq("pending")),
                )
                .set((
                    flows::target.eq(row.target),
                    flows::secret_digest.eq(row.secret_digest),
                    flows::pending_change.eq(row.pending_change),
                    flows::expires_at.eq(row.expires_at),
                    flows::updated_at.eq(row.updated_at),
                    flows::sent.eq(flows::sent + 1),
                    flows::sent_at.eq(row.sent_at),
                    flows::version.eq(flows::version + 1),
                ))
                .execute(conn)?;
                exactly_one(changed, Rollback::FlowChanged)?;
                if flow.purpose == Purpose::EmailChange {
                    email_changes.push(flow.account);
                }
            }
            FlowWrite::Consume { tenant, id, version } => {
                // A counted last try locks the flow without moving its version: that try, when
                // right, still confirms.
                let closed = close_at_version(conn, tenant, *id, *version, "confirmed", now)?;
                email_changes.extend(emails_of(&closed, email_change));
            }
            FlowWrite::CancelAllOpen {
                tenant,
                account,
                except,
            } => {
                email_changes.push(*account);
                let kept: Vec<String> = except.iter().map(|id| id.0.to_string()).collect();
                diesel::update(
                    flows::table
                        .filter(flows::tenant_id.eq(tenant.as_str()))
                        .filter(flows::account_uuid.eq(account.0.to_string()))
                        .filter(flows::uuid.ne_all(kept))
                        .filter(flows::status.eq_any(["pending", "locked"])),
                )
                .set((
                    flows::status.eq("cancelled"),
                    flows::updated_at.eq(now),
                    flows::version.eq(flows::version + 1),
                ))
                .execute(conn)?;
            }
            FlowWrite::Withdraw { tenant, id, version } => {
                let closed = close_at_version(conn, tenant, *id, *version, "cancelled", now)?;
                email_changes.extend(emails_of(&closed, email_change));
            }
            FlowWrite::Cancel { tenant, id } => {
                let cancelled = diesel::update(
                    flows::table
                        .filter(flows::tenant_id.eq(tenant.as_str()))
                        .filter(flows::uuid.eq(id.0.to_string()))
                        .filter(flows::status.eq_any(["pending", "locked"])),
                )
                .set((
                    flows::status.eq("cancelled"),
                    flows::updated_at.eq(now),
                    flows::version.eq(flows::version + 1),
                ))
                .returning((flows::account_uuid, flows::purpose))
                .get_results::<(String, String)>(conn)?;
                email_changes.extend(emails_of(&cancelled, email_change));
            }
        }
    }
    // Before this commit's own messages, so that a final notice to the erased address is
    // not blanked before it is sent (it forgets its recipient once delivered).
    for erasure in &commit.erase_traces {
        let (tenant, account) = (erasure.tenant.as_str(), erasure.account.0.to_string());
        // The account's own messages; and, written before messages named their account, those
        // to the address it had. Never by other addresses its flows went to: another customer
        // may hold one of those now. Pending ones are given up; every one is blanked.
        let legacy_address = erasure.address.clone().unwrap_or_default();
        let its_messages = || {
            outbox::table.filter(outbox::tenant_id.eq(tenant)).filter(
                outbox::account_uuid.eq(&account).or(outbox::account_uuid
                    .is_null()
                    .and(outbox::recipient.eq(legacy_address.clone()))),
            )
        };
        // A gateway's refusal may quote the address. (First: the blanking below changes the
        // recipient that finds earlier messages.)
        diesel::update(its_messages())
            .set(outbox::last_error.eq(None::<String>))
            .execute(conn)?;
        diesel::update(its_messages().filter(outbox::status.eq("pending")))
            .set((
                outbox::status.eq("abandoned"),
                outbox::last_error.eq("the recipient's data was erased"),
            ))
            .execute(conn)?;
        diesel::update(its_messages())
            .set((
                outbox::recipient.eq(ERASED),
                outbox::recipient_key.eq(None::<String>),
                outbox::subject.eq(ERASED),
                outbox::masked_text.eq(""),
                outbox::sealed_body.eq(""),
            ))
            .execute(conn)?;
        diesel::delete(
            flows::table
                .filter(flows::tenant_id.eq(tenant))
                .filter(flows::account_uuid.eq(&account)),
        )
        .execute(conn)?;
        diesel::delete(
            sessions::table
                .filter(sessions::tenant_id.eq(tenant))
                .filter(sessions::account_uuid.eq(&account)),
        )
        .execute(conn)?;
    }
    if let Some(limit) = commit.send_limit {
        keep_within(conn, limit, commit)?;
    }
    let class = commit.send_limit.map(|(_, class)| class.as_str());
    for message in &commit.messages {
        diesel::insert_into(outbox::table)
            .values((
                OutboxRow::from(message),
                outbox::send_class.eq(class),
                // Only what the limit counts keeps a second copy of the address.
                outbox::recipient_key.eq(class.map(|_| recipient_key(&message.recipient))),
            ))
            .execute(conn)?;
    }
    crate::webhooks::announce(conn, &commit.events)?;
    for entry in &commit.audit {
        diesel::insert_into(audit_log::table)
            .values(AuditRow::from(entry))
            .execute(conn)?;
    }
    // After this commit's own entries: where the customer connected from, and with what, is
    // personal data.
    // The entries themselves (what happened, when) outlive the account.
    for erasure in &commit.erase_traces {
        // Events still on their way name the account and nothing else.
        diesel::update(
            webhook_events::table
                .filter(webhook_events::tenant_id.eq(erasure.tenant.as_str()))
                .filter(webhook_events::account_uuid.eq(erasure.account.0.to_string()))
                .filter(webhook_events::data.ne("{}")),
        )
        .set(webhook_events::data.eq("{}"))
        .execute(conn)?;
        diesel::update(
            audit_log::table
                .filter(audit_log::tenant_id.eq(erasure.tenant.as_str()))
                .filter(audit_log::account_uuid.eq(erasure.account.0.to_string()))
                .filter(audit_log::actor.eq(Actor::Customer.as_str())),
        )
        .set((
            audit_log::client_address.eq(None::<String>),
            audit_log::device.eq(None::<String>),
        ))
        .execute(conn)?;
    }
    for request in &commit.deletion_requests {
        diesel::insert_into(deletion_requests::table)
            .values(DeletionRequestRow::from(request))
            .execute(conn)?;
    }
    for decided in &commit.deletion_decisions {
        let row = DeletionRequestRow::from(decided);
        let changed = diesel::update(
            deletion_requests::table
                .filter(deletion_requests::id.eq(decided.id.to_string()))
                .filter(deletion_requests::tenant_id.eq(decided.tenant.as_str()))
                .filter(deletion_requests::status.eq("pending")),
        )
        .set((
            deletion_requests::status.eq(decided.status.as_str()),
            deletion_requests::decided_at.eq(row.decided_at()),
            deletion_requests::reason.eq(decided.reason.clone()),
        ))
        .execute(conn)?;
        exactly_one(changed, Rollback::AlreadyDecided)?;
    }
    for revocation in &commit.revoke_sessions {
        let kept = revocation.keep.map(|s| s.0.to_string()).unwrap_or_default();
        let theirs = sessions::table
            .filter(sessions::tenant_id.eq(revocation.tenant.as_str()))
            .filter(sessions::account_uuid.eq(revocation.account.0.to_string()))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::uuid.ne(kept));
        match revocation.only {
            Some(only) => diesel::update(theirs.filter(sessions::uuid.eq(only.0.to_string())))
                .set(sessions::revoked_at.eq(Some(now)))
                .execute(conn)?,
            None => diesel::update(theirs)
                .set(sessions::revoked_at.eq(Some(now)))
                .execute(conn)?,
        };
    }
    // After the revocations, which keep the session in hand (and so never its replacement).
    if let Some(replacement) = &commit.replace_session {
        let ended = diesel::update(
            sessions::table
                .filter(sessions::uuid.eq(replacement.replaced.0.to_string()))
                .filter(sessions::tenant_id.eq(replacement.by.tenant.as_str()))
                .filter(sessions::revoked_at.is_null())
                .filter(sessions::expires_at.gt(now)),
        )
        .set(sessions::revoked_at.eq(Some(now)))
        .execute(conn)?;
        exactly_one(ended, Rollback::SessionEnded)?;
        diesel::insert_into(sessions::table)
            .values(SessionRow::from(&replacement.by))
            .execute(conn)?;
    }
    email_changes.extend(commit.erase_traces.iter().map(|erasure| erasure.account));
    Ok(email_changes)
}

/// An open flow still at `version` closed as `status` (confirmed, or cancelled at the
/// customer's word): its `(account_uuid, purpose)`, or `FlowChanged` if it moved meanwhile.
fn close_at_version(
    conn: &mut DbConnection,
    tenant: &clientele_domain::tenant::TenantId,
    id: clientele_domain::flow::FlowId,
    version: i64,
    status: &str,
    now: time::PrimitiveDateTime,
) -> Result<Vec<(String, String)>, Rollback> {
    let closed = diesel::update(
        flows::table
            .filter(flows::tenant_id.eq(tenant.as_str()))
            .filter(flows::uuid.eq(id.0.to_string()))
            .filter(flows::version.eq(version))
            .filter(flows::status.eq_any(["pending", "locked"])),
    )
    .set((
        flows::status.eq(status),
        flows::updated_at.eq(now),
        flows::version.eq(flows::version + 1),
    ))
    .returning((flows::account_uuid, flows::purpose))
    .get_results::<(String, String)>(conn)?;
    exactly_one(closed.len(), Rollback::FlowChanged)?;
    Ok(closed)
}

/// The accounts of the rows `(account_uuid, purpose)` that are email changes.
fn emails_of<'a>(
    rows: &'a [(String, String)],
    email_change: &'a str,
) -> impl Iterator<Item = AccountUuid> + 'a {
    rows.iter()
        .filter(move |(_, purpose)| purpose == email_change)
        .filter_map(|(account, _)| uuid::Uuid::parse_str(account).ok().map(AccountUuid))
}

#[async_trait]
impl UnitOfWork for Database {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        if crate::lone_edit::written(self, &commit).await? {
            return Ok(());
        }
        let changed = commit.accounts.iter().filter_map(|write| match write {
            AccountWrite::Update(account) => Some(account.uuid),
            AccountWrite::Insert(_) | AccountWrite::Unchanged(_) => None,
        });
        let revoked = commit
            .revoke_sessions
            .iter()
            .map(|revocation| revocation.account)
            .chain(
                commit
                    .replace_session
                    .iter()
                    .map(|replacement| replacement.by.account),
            )
            .chain(commit.erase_traces.iter().map(|erasure| erasure.account));
        let recorded = commit.audit.clone();
        let mut forget: Vec<_> = changed
            .chain(revoked)
            .map(|account| self.memory.forget_account_after(account))
            .collect();
        // The email changes the commit writes are known once it has written them; forgotten by
        // a guard like the rest, after the write whatever its outcome.
        let (touched, forget_touched) = self.memory.forget_email_changes_after();
        forget.push(forget_touched);
        self.write(forget, move |conn| {
            let accounts = apply(conn, &commit)?;
            touched.lock().unwrap_or_else(|p| p.into_inner()).extend(accounts);
            Ok(())
        })
        .await?
        .map_err(|rollback| match rollback {
            Rollback::Db(e) => from_diesel(e),
            Rollback::AccountChanged => StoreError::VersionMismatch,
            Rollback::FlowChanged => StoreError::FlowChanged,
            Rollback::AlreadyDecided => StoreError::AlreadyDecided,
            Rollback::SendLimited => StoreError::SendLimited,
            Rollback::SessionEnded => StoreError::SessionEnded,
        })?;
        announce(&recorded);
        Ok(())
    }
}
