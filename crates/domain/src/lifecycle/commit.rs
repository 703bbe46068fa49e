//! How a transition is written: who made it, and the commit's writes it brings.

use super::{AccountEvent, SessionsEnded, Transition};
use crate::audit::Actor;
use crate::flow::{Flow, FlowId, FlowWrite};
use crate::ports::Commit;
use crate::session::SessionId;

/// Who made a transition, and in which step.
#[derive(Debug, Clone, Copy)]
pub struct MadeBy<'a> {
    pub actor: Actor,
    /// The flow whose secret allowed the transition: consumed in the same commit (so the secret
    /// works once), and the one open flow that is not ended.
    pub completing: Option<&'a Flow>,
    /// A flow the same commit opens or re-issues (an email change asked for in the same edit):
    /// not ended.
    pub keeping: Option<FlowId>,
    /// The session that made the change: kept where the table ends all but the current one,
    /// and required to be live when the commit is written.
    pub session: Option<SessionId>,
    /// The audit entries' detail (a closing's policy, say).
    pub detail: Option<&'static str>,
}

impl MadeBy<'_> {
    pub fn customer() -> Self {
        MadeBy {
            actor: Actor::Customer,
            completing: None,
            keeping: None,
            session: None,
            detail: None,
        }
    }

    pub fn back_office() -> Self {
        MadeBy {
            actor: Actor::Admin,
            ..MadeBy::customer()
        }
    }
}

impl<'a> MadeBy<'a> {
    /// Made with the secret of `flow`.
    pub fn completing(self, flow: &'a Flow) -> Self {
        MadeBy {
            completing: Some(flow),
            ..self
        }
    }

    /// Made together with issuing the secret of `flow`.
    pub fn keeping(self, flow: FlowId) -> Self {
        MadeBy {
            keeping: Some(flow),
            ..self
        }
    }

    /// Made from `session`.
    pub fn from_session(self, session: SessionId) -> Self {
        MadeBy {
            session: Some(session),
            ..self
        }
    }

    pub fn with_detail(self, detail: &'static str) -> Self {
        MadeBy {
            detail: Some(detail),
            ..self
        }
    }
}

impl Transition {
    /// `commit` with this transition's writes: the account as it now is (erased with its
    /// traces, when erased), the completing flow consumed, every other open flow ended, and
    /// the sessions the table ends, the events it announces. Audit entries and notices are the use case's to add.
    pub fn write_into(&self, mut commit: Commit, by: &MadeBy<'_>) -> Commit {
        let before = &self.before;
        if let Some(session) = by.session {
            // Made from a session: not written once it has ended (a reset won the race).
            commit.caller_session = Some((before.tenant.clone(), session));
        }
        if let Some(flow) = by.completing {
            commit.flows.push(flow.consume());
        }
        if self.ends_open_flows() {
            commit.flows.push(FlowWrite::CancelAllOpen {
                tenant: before.tenant.clone(),
                account: before.uuid,
                except: by
                    .completing
                    .map(|f| f.id)
                    .into_iter()
                    .chain(by.keeping)
                    .collect(),
            });
        }
        commit = match self.sessions() {
            SessionsEnded::None => commit,
            SessionsEnded::AllButCurrent => commit.revoking(before, by.session),
            SessionsEnded::All => commit.revoking(before, None),
        };
        commit.events.extend(self.announcements());
        if self.events.contains(&AccountEvent::Erased) {
            let former = before.customer_email().map(|e| e.as_str().to_owned());
            commit.erasing(self.after.clone(), former)
        } else {
            commit.updating(self.after.clone())
        }
    }
}
