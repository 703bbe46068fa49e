//! The account's lifecycle as one state machine: every change of state or of a credential is a
//! guarded transition that says what must happen with it. Use cases commit what a
//! [`Transition`] returns; none picks by hand which flows or sessions end.
//!
//! The invariant: **every transition ends every other open flow of the account** (the flow the
//! transition completes excepted), so that no emailed or texted secret outlives the state it was
//! issued for. [`AccountEvent::consequences`] is the whole table; `docs/security.md` shows it.

use std::fmt;

use crate::account::Account;
use crate::audit::AuditKind;
use crate::messages::AccountChange;

/// What changed about an account. More events may come: code outside this crate matches
/// with a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountEvent {
    Activated,
    EmailChanged,
    PasswordChanged,
    PasswordReset,
    PhoneChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    /// An authenticator app (or another strong factor) confirmed.
    FactorAdded,
    /// A strong factor removed (by the customer or the back office).
    FactorRemoved,
    /// A new set of recovery codes replaced the old one.
    RecoveryCodesReplaced,
    Deactivated,
    Erased,
    Reactivated,
}

/// Which of the account's sessions an event signs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SessionsEnded {
    None,
    /// Every one but the session that made the change (which proved the new state).
    AllButCurrent,
    All,
}

/// What is told to the customer's address as it was before the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Nothing: the customer asked for it from that address, or was told when they asked.
    None,
    /// A change notice (no secret in it).
    Change(AccountChange),
    /// The last message: the data is gone (forgets its recipient once delivered).
    DataErased,
}

/// What an event brings with it, besides the account's new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consequences {
    /// Every other open flow of the account ends (true for every event: the invariant).
    pub ends_open_flows: bool,
    pub sessions: SessionsEnded,
    pub notice: Notice,
    pub audit: AuditKind,
}

impl AccountEvent {
    pub const ALL: [AccountEvent; 13] = [
        AccountEvent::Activated,
        AccountEvent::EmailChanged,
        AccountEvent::PasswordChanged,
        AccountEvent::PasswordReset,
        AccountEvent::PhoneChanged,
        AccountEvent::TwoFactorEnabled,
        AccountEvent::TwoFactorDisabled,
        AccountEvent::FactorAdded,
        AccountEvent::FactorRemoved,
        AccountEvent::RecoveryCodesReplaced,
        AccountEvent::Deactivated,
        AccountEvent::Erased,
        AccountEvent::Reactivated,
    ];

    /// The table: what each event ends, tells and records. A phone number that is (or becomes,
    /// or was) the second factor is a credential, so its change also signs out every other
    /// session ([`Transition::sessions`] decides that, knowing the accounts).
    pub fn consequences(self) -> Consequences {
        use AccountEvent::*;
        let (sessions, notice, audit) = match self {
            Activated => (SessionsEnded::None, Notice::None, AuditKind::Activated),
            // The old address was told when the change was asked for.
            EmailChanged => (SessionsEnded::None, Notice::None, AuditKind::EmailChanged),
            PasswordChanged => (
                SessionsEnded::AllButCurrent,
                Notice::Change(AccountChange::PasswordChanged),
                AuditKind::PasswordChanged,
            ),
            PasswordReset => (
                SessionsEnded::All,
                Notice::Change(AccountChange::PasswordReset),
                AuditKind::PasswordReset,
            ),
            PhoneChanged => (
                SessionsEnded::None,
                Notice::Change(AccountChange::PhoneChanged),
                AuditKind::PhoneChanged,
            ),
            TwoFactorEnabled => (
                SessionsEnded::None,
                Notice::Change(AccountChange::TwoFactorEnabled),
                AuditKind::TwoFactorEnabled,
            ),
            TwoFactorDisabled => (
                SessionsEnded::None,
                Notice::Change(AccountChange::TwoFactorDisabled),
                AuditKind::TwoFactorDisabled,
            ),
            FactorAdded => (
                SessionsEnded::None,
                Notice::Change(AccountChange::FactorAdded),
                AuditKind::FactorAdded,
            ),
            // A factor is removed because its device is lost or stolen: the sessions that
            // device holds end with it.
            FactorRemoved => (
                SessionsEnded::AllButCurrent,
                Notice::Change(AccountChange::FactorRemoved),
                AuditKind::FactorRemoved,
            ),
            RecoveryCodesReplaced => (
                SessionsEnded::None,
                Notice::Change(AccountChange::RecoveryCodesReplaced),
                AuditKind::RecoveryCodesReplaced,
            ),
            Deactivated => (SessionsEnded::All, Notice::None, AuditKind::Deactivated),
            Erased => (SessionsEnded::All, Notice::DataErased, AuditKind::Erased),
            Reactivated => (SessionsEnded::None, Notice::None, AuditKind::Reactivated),
        };
        Consequences {
            ends_open_flows: true,
            sessions,
            notice,
            audit,
        }
    }
}

/// A transition the account's state does not allow; nothing changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IllegalTransition {
    /// Only an account waiting for its activation is activated.
    #[error("the account is not waiting for its activation")]
    NotPending,
    /// The change needs an account that may sign in (active, not closed).
    #[error("the account is not active")]
    NotActive,
    /// Closing an account closed already.
    #[error("the account is closed already")]
    AlreadyClosed,
    /// Reactivating or erasing needs a closed account whose data was kept.
    #[error("the account is not closed with its data kept")]
    NotDeactivated,
    /// The birthday, once set from any surface, changes only through the back office.
    #[error("the birthday is set already and cannot be changed")]
    BirthdayFinal,
    /// With two-factor on, only a texted code changes the phone number or the switch.
    #[error("the phone number is the second factor: change it with a texted code")]
    SecondFactorNeedsCode,
    /// Two-factor on needs a number to text the codes to.
    #[error("is the account's second factor while two-factor is on: it cannot be removed")]
    SecondFactorWithoutNumber,
    /// Recovery codes stand in for a strong factor: an account without one has none.
    #[error("the account has no authenticator app or passkey")]
    NoStrongFactor,
    /// The factor named is not the account's.
    #[error("the account has no such factor")]
    NoSuchFactor,
    /// An edit may not change what only its own transition changes (status, password, a
    /// confirmed address).
    #[error("{0} changes only through its own transition")]
    NotAnEdit(&'static str),
}

/// An account before and after a change, with what changed. Made only by the account's guarded
/// methods; commit it with [`Transition::write_into`] (and `FlowDeps::apply`).
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    before: Account,
    after: Account,
    events: Vec<AccountEvent>,
    /// Confirmed by a code texted to the new number: the number is proven the customer's, and
    /// the session that proved it is the one that stays (TSS hands it a new token).
    proven_by_code: bool,
}

impl Transition {
    fn new(before: &Account, after: Account, events: Vec<AccountEvent>) -> Self {
        Transition {
            before: before.clone(),
            after,
            events,
            proven_by_code: false,
        }
    }

    /// The account as the transition found it.
    pub fn before(&self) -> &Account {
        &self.before
    }

    /// The account as the transition leaves it (its version is the one it was read at: the
    /// commit is version-checked against it).
    pub fn after(&self) -> &Account {
        &self.after
    }

    /// What changed, in order.
    pub fn events(&self) -> &[AccountEvent] {
        &self.events
    }

    /// Whether anything but plain profile fields changed (an event happened).
    pub fn is_credential_event(&self) -> bool {
        !self.events.is_empty()
    }

    /// Whether the other open flows of the account end.
    pub fn ends_open_flows(&self) -> bool {
        self.events.iter().any(|e| e.consequences().ends_open_flows)
    }

    /// Which sessions end: the most any event ends. A new phone number that is the second
    /// factor (before or after), or that a texted code proved, ends every other session too.
    pub fn sessions(&self) -> SessionsEnded {
        let by_events = self
            .events
            .iter()
            .map(|e| e.consequences().sessions)
            .max()
            .unwrap_or(SessionsEnded::None);
        let second_factor_moved = self.events.contains(&AccountEvent::PhoneChanged)
            && (self.before.two_factor || self.after.two_factor || self.proven_by_code);
        if second_factor_moved {
            by_events.max(SessionsEnded::AllButCurrent)
        } else {
            by_events
        }
    }

    /// The notices, in the order of the events.
    pub fn notices(&self) -> impl Iterator<Item = Notice> + '_ {
        self.events
            .iter()
            .map(|e| e.consequences().notice)
            .filter(|n| *n != Notice::None)
    }

    /// The audit entries' kinds, in the order of the events.
    pub fn audit(&self) -> impl Iterator<Item = AuditKind> + '_ {
        self.events.iter().map(|e| e.consequences().audit)
    }
}

impl fmt::Display for AccountEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.consequences().audit.as_str())
    }
}

impl From<IllegalTransition> for crate::error::DomainError {
    fn from(refused: IllegalTransition) -> Self {
        use crate::error::{DomainError, FieldErrors};
        match refused {
            IllegalTransition::NotPending => DomainError::SecretRefused(crate::refusal::Refusal::Invalid),
            IllegalTransition::NotActive => DomainError::Unauthenticated,
            IllegalTransition::BirthdayFinal => {
                FieldErrors::single(crate::profile::field::BIRTHDAY, refused.to_string()).into()
            }
            IllegalTransition::SecondFactorNeedsCode | IllegalTransition::SecondFactorWithoutNumber => {
                FieldErrors::single(crate::profile::field::PHONE, refused.to_string()).into()
            }
            IllegalTransition::NoSuchFactor => DomainError::NotFound,
            IllegalTransition::AlreadyClosed
            | IllegalTransition::NoStrongFactor
            | IllegalTransition::NotDeactivated
            | IllegalTransition::NotAnEdit(_) => DomainError::Conflict(refused.to_string()),
        }
    }
}

mod announcements;
mod commit;
mod factors;
mod methods;

pub use announcements::changed_fields;
pub use commit::MadeBy;

#[cfg(test)]
mod tests;
