//! Where a customer is signed in: their sessions listed (device, masked address, how each was
//! signed into), one of them, the current one or every other one signed out, and their own
//! activity from the audit trail. The back office lists a customer's sessions and signs them
//! all out (the customer is told). Ending a session is a commit like any change: audited, and
//! forgotten at once by every instance (the principal cache's invalidation).

mod activity;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{Actor, AuditKind};
use crate::error::DomainError;
use crate::messages::AccountChange;
use crate::ports::Commit;
use crate::services::back_office::CustomerRef;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::support::FlowDeps;
use crate::services::{Authenticated, Deps};
use crate::session::{Session, SessionId};
use crate::tenant::TenantId;

pub use activity::{ActivityEntry, ACTIVITY_LIMIT};

/// One of the customer's live sessions, and whether it is the one asking.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    pub session: Session,
    pub current: bool,
}

pub struct Sessions {
    deps: Deps,
    flows: FlowDeps,
}

impl Sessions {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        Sessions { deps, flows }
    }

    /// The caller's live sessions, newest first.
    pub async fn list(&self, who: &Authenticated) -> Result<Vec<SessionView>, DomainError> {
        let now = self.deps.clock.now();
        let live = self
            .deps
            .sessions
            .list_active(&who.account.tenant, who.account.uuid, now)
            .await?;
        Ok(live
            .into_iter()
            .map(|session| SessionView {
                current: session.id == who.session.id,
                session,
            })
            .collect())
    }

    /// Signs out the caller's session `id`; `NotFound` if it is no live session of theirs.
    pub async fn end(&self, who: &Authenticated, id: &str) -> Result<(), DomainError> {
        let id = Uuid::parse_str(id.trim())
            .map(SessionId)
            .map_err(|_| DomainError::NotFound)?;
        let now = self.deps.clock.now();
        let theirs = self
            .deps
            .sessions
            .list_active(&who.account.tenant, who.account.uuid, now)
            .await?
            .iter()
            .any(|s| s.id == id);
        if !theirs {
            return Err(DomainError::NotFound);
        }
        let kind = if id == who.session.id {
            AuditKind::SignedOut
        } else {
            AuditKind::SessionEnded
        };
        self.commit_by_customer(who, now, kind, |commit| commit.revoking_one(&who.account, id))
            .await
    }

    /// Signs out the session asking.
    pub async fn sign_out(&self, who: &Authenticated) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        self.commit_by_customer(who, now, AuditKind::SignedOut, |commit| {
            commit.revoking_one(&who.account, who.session.id)
        })
        .await
    }

    /// Signs out every session of the caller but the one asking.
    pub async fn end_others(&self, who: &Authenticated) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        self.commit_by_customer(who, now, AuditKind::SessionsEnded, |commit| {
            commit.revoking(&who.account, Some(who.session.id))
        })
        .await
    }

    /// A customer's live sessions, for the back office.
    pub async fn list_for(
        &self,
        tenant: &TenantId,
        customer: CustomerRef,
    ) -> Result<Vec<Session>, DomainError> {
        let account = self.deps.customer(tenant, customer).await?;
        let now = self.deps.clock.now();
        Ok(self
            .deps
            .sessions
            .list_active(&account.tenant, account.uuid, now)
            .await?)
    }

    /// The back office signs a customer out everywhere (a lost phone, a suspected takeover):
    /// audited with the admin as actor, the customer told at their confirmed address.
    pub async fn end_all_by_back_office(
        &self,
        tenant: &TenantId,
        customer: CustomerRef,
    ) -> Result<(), DomainError> {
        let account = self.deps.customer(tenant, customer).await?;
        let now = self.deps.clock.now();
        on_current_account(self.deps.accounts.as_ref(), account, |current| async move {
            let mut commit = Commit::at(now).relying_on(&current).revoking(&current, None);
            commit.audit.push(
                self.deps
                    .audit_entry(&current, AuditKind::SessionsEnded, Actor::Admin, None),
            );
            commit.messages.extend(
                self.flows
                    .messages
                    .change_notice(&self.deps, &current, &current, AccountChange::SessionsEnded, now)
                    .await?,
            );
            self.flows.commits.commit(commit).await?;
            Ok::<_, Attempt>(())
        })
        .await
    }

    /// Commits what `revoke` adds, audited as `kind` by the customer, made from the session
    /// asking (a session signed out meanwhile signs nothing out).
    async fn commit_by_customer(
        &self,
        who: &Authenticated,
        now: OffsetDateTime,
        kind: AuditKind,
        revoke: impl FnOnce(Commit) -> Commit,
    ) -> Result<(), DomainError> {
        let mut commit = revoke(Commit::at(now).made_from(&who.session));
        commit
            .audit
            .push(self.deps.audit_entry(&who.account, kind, Actor::Customer, None));
        // A session signed out meanwhile is `SessionEnded`: unauthenticated.
        Ok(self.flows.commits.commit(commit).await?)
    }
}
