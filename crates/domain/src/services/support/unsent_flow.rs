//! Flows whose secret is never sent: the proof comes from elsewhere (an authenticator app's
//! code, a passkey's signature), and the flow holds what confirming it needs, its tries and its
//! expiry.

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{Flow, Purpose, Refusal};
use crate::pending_change::PendingChange;
use crate::ports::Commit;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::support::FlowDeps;
use crate::services::Deps;
use crate::session::Session;

impl FlowDeps {
    /// Opens a flow of `purpose` holding `pending` for `account` (or renews the open one: a new
    /// pending change, its tries kept), relying on the account as read and, when `session` made
    /// the request, on that session being live. A locked open flow is `Locked` until it expires.
    pub(crate) async fn open_unsent(
        &self,
        deps: &Deps,
        account: Account,
        purpose: Purpose,
        target: &str,
        pending: PendingChange,
        session: Option<&Session>,
    ) -> Result<Flow, DomainError> {
        let now = deps.clock.now();
        on_current_account(deps.accounts.as_ref(), account, |current| {
            let pending = pending.clone();
            async move {
                let issued = self
                    .secrets
                    .issue(deps, &current, purpose, target, Some(pending), now)
                    .await?
                    .ok_or(DomainError::SecretRefused(Refusal::Locked))?;
                let mut commit = Commit::at(now).relying_on(&current);
                if let Some(session) = session {
                    commit = commit.made_from(session);
                }
                commit.flows = issued.writes;
                self.commits.commit(commit).await?;
                Ok::<_, Attempt>(issued.flow)
            }
        })
        .await
    }
}
