//! Commits what a lifecycle [`Transition`] decided: its writes (see [`Transition::write_into`]),
//! its notices and audit entries. The one place a use case turns a transition into a commit, so
//! that no use case picks flows or sessions by hand.

use crate::error::DomainError;
use crate::lifecycle::{MadeBy, Notice, Transition};
use crate::messages::Content;
use crate::ports::Commit;
use crate::services::support::FlowDeps;
use crate::services::Deps;

impl FlowDeps {
    /// `commit` with `transition` in it (see the module documentation). A transition with no
    /// event (a plain profile edit) writes the account and nothing else.
    pub async fn apply(
        &self,
        deps: &Deps,
        commit: Commit,
        transition: &Transition,
        by: MadeBy<'_>,
    ) -> Result<Commit, DomainError> {
        let (before, after) = (&transition.before(), &transition.after());
        let mut commit = transition.write_into(commit, &by);
        for kind in transition.audit() {
            commit
                .audit
                .push(deps.audit_entry(after, kind, by.actor, by.detail));
        }
        for notice in transition.notices() {
            match notice {
                Notice::None => {}
                Notice::Change(change) => commit.messages.extend(
                    self.messages
                        .change_notice(deps, before, after, change, commit.now)
                        .await?,
                ),
                // The last message to the address: in the words of the account before its
                // data went.
                Notice::DataErased => {
                    if let Some(address) = before.confirmed_email() {
                        let name = before.greeting_for(address.as_str());
                        let notice = Content::DataErased { name: &name };
                        let mut message = self
                            .messages
                            .message(deps, before, address.as_str(), &notice, commit.now)
                            .await?;
                        message.forget_recipient = true;
                        commit.messages.push(message);
                    }
                }
            }
        }
        Ok(commit)
    }
}
