//! What the use cases share: their ports, issuing and checking secrets, sending within the
//! limit, composing messages, committing transitions, and deciding again after a lost race.

mod deps;
mod flow_deps;
pub(crate) mod ids;
mod links;
mod messages;
pub(crate) mod reapply;
pub(crate) mod secret_mail;
mod secrets;
pub(crate) mod sending;
mod texted_code;
mod transitions;
mod turns;
mod unsent_flow;

#[cfg(test)]
pub(crate) mod test_support;

pub use deps::Deps;
pub use flow_deps::{FlowDeps, FlowPorts};
pub use links::LinkSettings;
pub use messages::Messages;
pub use reapply::IfVersion;
pub use secrets::{Issued, Secrets};
pub use sending::Commits;
pub use turns::EditTurns;
