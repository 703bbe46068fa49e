//! An email change waiting for its key: shown to the customer (and when it expires), and
//! withdrawn at their word, its key dead at once.

use time::OffsetDateTime;

use super::EmailChange;
use crate::account::Account;
use crate::audit::{Actor, AuditKind};
use crate::error::DomainError;
use crate::flow::{Flow, FlowStatus, FlowWrite, Purpose};
use crate::pending_change::PendingChange;
use crate::ports::{Commit, StoreError};
use crate::services::Authenticated;

/// The address an email change waits to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEmail {
    pub email: String,
    pub expires_at: OffsetDateTime,
}

impl EmailChange {
    /// The caller's email change waiting for its key, if one does and its key still works.
    pub async fn pending(&self, who: &Authenticated) -> Result<Option<PendingEmail>, DomainError> {
        let now = self.kit.deps.clock.now();
        self.pending_of(&who.account, now).await
    }

    /// [`Self::pending`] of `account` at `now`, as memory may hold it: for showing, as the
    /// profile reads do on every request.
    pub async fn pending_of(
        &self,
        account: &Account,
        now: OffsetDateTime,
    ) -> Result<Option<PendingEmail>, DomainError> {
        let flows = &self.kit.flows.secrets.flows;
        let flow = flows.waiting_email_change(&account.tenant, account.uuid).await?;
        Ok(flow
            .and_then(|flow| waiting(flow, now))
            .map(|(_, pending)| pending))
    }

    /// [`Self::pending_of`] as stored now: for what is handed over (the data export).
    pub async fn stored_pending_of(
        &self,
        account: &Account,
        now: OffsetDateTime,
    ) -> Result<Option<PendingEmail>, DomainError> {
        Ok(self.stored(account, now).await?.map(|(_, pending)| pending))
    }

    /// The account's waiting email change as stored now, with its flow.
    async fn stored(
        &self,
        account: &Account,
        now: OffsetDateTime,
    ) -> Result<Option<(Flow, PendingEmail)>, DomainError> {
        let flows = &self.kit.flows.secrets.flows;
        let flow = flows
            .find_open(&account.tenant, account.uuid, Purpose::EmailChange)
            .await?;
        Ok(flow.and_then(|flow| waiting(flow, now)))
    }

    /// Withdraws the caller's waiting email change: its key stops working at once. `NotFound`
    /// if none waits (or its key was used meanwhile).
    pub async fn withdraw(&self, who: &Authenticated) -> Result<(), DomainError> {
        let now = self.kit.deps.clock.now();
        // As stored: the withdrawal is decided on it.
        let (flow, _) = self
            .stored(&who.account, now)
            .await?
            .ok_or(DomainError::NotFound)?;
        let mut commit = Commit::at(now).made_from(&who.session);
        commit.flows.push(FlowWrite::Withdraw {
            tenant: flow.tenant.clone(),
            id: flow.id,
            version: flow.version,
        });
        commit.audit.push(self.kit.deps.audit_entry(
            &who.account,
            AuditKind::EmailChangeWithdrawn,
            Actor::Customer,
            None,
        ));
        match self.kit.flows.commits.commit(commit).await {
            // Confirmed (or replaced) meanwhile: nothing waits any more.
            Err(StoreError::FlowChanged) => Err(DomainError::NotFound),
            other => Ok(other?),
        }
    }
}

/// `flow` as an email change still waiting at `now`, with what it shows.
fn waiting(flow: Flow, now: OffsetDateTime) -> Option<(Flow, PendingEmail)> {
    let usable = flow.status == FlowStatus::Pending && flow.expires_at > now;
    let email = match &flow.pending_change {
        Some(PendingChange::NewAddress(address)) if usable => address.clone(),
        _ => return None,
    };
    let expires_at = flow.expires_at;
    Some((flow, PendingEmail { email, expires_at }))
}
