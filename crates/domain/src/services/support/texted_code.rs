//! Texting a code: the one way a use case issues a code for a phone number and sends it.

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{Purpose, Refusal, SendClass};
use crate::pending_change::PendingChange;
use crate::ports::Commit;
use crate::services::support::reapply::Attempt;
use crate::services::{Deps, FlowDeps};

impl FlowDeps {
    /// Issues a code for `purpose` of `account`, sent to `number` (E.164), and commits its flow
    /// and its text with `commit` (which holds what the caller relies on), within the send
    /// limit: a sign-in's codes draw on a budget of their own, so sign-ins cannot use up the
    /// codes of other changes. The caller proved who they are, so a held-back text is
    /// `SendLimited`; a locked open flow is `Locked`.
    pub(crate) async fn text_code(
        &self,
        deps: &Deps,
        account: &Account,
        purpose: Purpose,
        number: &str,
        pending_change: Option<PendingChange>,
        mut commit: Commit,
    ) -> Result<(), Attempt> {
        let now = commit.now;
        let issued = self
            .secrets
            .issue(deps, account, purpose, number, pending_change, now)
            .await?
            .ok_or(DomainError::SecretRefused(Refusal::Locked))?;
        commit.flows.extend(issued.writes);
        commit.messages.push(
            self.messages
                .code_text(deps, account, number, &issued.secret, now)
                .await?,
        );
        let class = match purpose {
            Purpose::SecondFactor => SendClass::SignInCode,
            _ => SendClass::SignedInCode,
        };
        self.commits
            .commit_issued_for_caller(account, commit, class)
            .await
    }
}
