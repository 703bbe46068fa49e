//! Committing a decision that sends a message, within the per-recipient send limit.

use std::sync::Arc;

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{SendClass, SendLimit};
use crate::ports::{Commit, StoreError, UniqueKey, UnitOfWork};
use crate::services::support::reapply::Attempt;

/// Whether a limited commit was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    Written,
    HeldBack,
}

/// Logs that the send limit held back a message to `account`'s recipient.
pub(crate) fn held_back(account: &Account) {
    tracing::warn!(
        event = "send_limited",
        tenant = account.tenant.as_str(),
        account = %account.uuid.0,
        "security event"
    );
}

/// The unit of work, and the send limit the commits that send a message are held to.
#[derive(Clone)]
pub struct Commits {
    pub unit_of_work: Arc<dyn UnitOfWork>,
    pub send_limit: Option<SendLimit>,
}

impl Commits {
    /// Commits `commit` as it is (see [`UnitOfWork::commit`]).
    pub async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        self.unit_of_work.commit(commit).await
    }

    /// Commits a decision that issued a secret (and its message) for someone who need not be
    /// signed in (sign-up, reset), relying on `account` as it was read: a concurrent request
    /// for the same purpose that opened or re-issued the flow first has sent a secret at this
    /// very moment, so the request is done and answers like it; an account changed meanwhile
    /// (closed, say) makes the caller decide again. A recipient sent as many messages as the
    /// send limit allows gets nothing, and the answer is the same (the old secret stays
    /// valid): asking is no way to flood a mailbox or a phone, nor to learn whether an address
    /// has an account.
    pub(crate) async fn commit_issued(&self, account: &Account, commit: Commit) -> Result<(), Attempt> {
        self.commit_issued_as(account, commit, SendClass::Secret)
            .await
            .map(drop)
    }

    /// Like [`Self::commit_issued`], for a caller who proved who they are (signed in, or the
    /// password at sign-in): held back by the send limit, they are told to wait (`TooSoon`),
    /// since no code is on its way.
    pub(crate) async fn commit_issued_for_caller(
        &self,
        account: &Account,
        commit: Commit,
        class: SendClass,
    ) -> Result<(), Attempt> {
        match self.commit_issued_as(account, commit, class).await? {
            Sent::Written => Ok(()),
            Sent::HeldBack => Err(self.send_limited().into()),
        }
    }

    /// What a caller who proved who they are hears when the send limit holds their message
    /// back: wait (at most the limit's window).
    pub(crate) fn send_limited(&self) -> DomainError {
        let window = self.send_limit.map_or(60, |l| l.window.whole_seconds());
        DomainError::SendLimited(window.max(1) as u64)
    }

    async fn commit_issued_as(
        &self,
        account: &Account,
        commit: Commit,
        class: SendClass,
    ) -> Result<Sent, Attempt> {
        let commit = commit.relying_on(account);
        match self.commit_limited(account, commit, class).await {
            Err(StoreError::FlowChanged | StoreError::Duplicate(UniqueKey::OpenFlow)) => Ok(Sent::Written),
            other => Ok(other?),
        }
    }

    /// Commits `commit` within the send limit of `class`; a commit the limit holds back
    /// writes nothing and logs a security event.
    pub(crate) async fn commit_limited(
        &self,
        account: &Account,
        commit: Commit,
        class: SendClass,
    ) -> Result<Sent, StoreError> {
        match self
            .unit_of_work
            .commit(commit.limiting_sends(self.send_limit, class))
            .await
        {
            Ok(()) => Ok(Sent::Written),
            Err(StoreError::SendLimited) => {
                held_back(account);
                Ok(Sent::HeldBack)
            }
            Err(other) => Err(other),
        }
    }
}
