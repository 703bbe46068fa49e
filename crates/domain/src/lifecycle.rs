//! The account's lifecycle as one state machine: every change of state or of a credential is a
//! guarded transition that says what must happen with it. Use cases commit what a
//! [`Transition`] returns; none picks by hand which flows or sessions end.
//!
//! The invariant: **every transition ends every other open flow of the account** (the flow the
//! transition completes excepted), so that no emailed or texted secret outlives the state it was
//! issued for. [`AccountEvent::consequences`] is the whole table; `docs/security.md` shows it.

use std::fmt;

use time::OffsetDateTime;

use crate::account::{erased_placeholder, Account, AccountStatus};
use crate::audit::{Actor, AuditKind};
use crate::flow::{Flow, FlowId, FlowWrite};
use crate::ports::Commit;
use crate::profile::Profile;
use crate::session::SessionId;
use crate::templates::AccountChange;
use crate::values::{Email, PasswordHash};

/// What changed about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountEvent {
    Activated,
    EmailChanged,
    PasswordChanged,
    PasswordReset,
    PhoneChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
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
    pub const ALL: [AccountEvent; 10] = [
        AccountEvent::Activated,
        AccountEvent::EmailChanged,
        AccountEvent::PasswordChanged,
        AccountEvent::PasswordReset,
        AccountEvent::PhoneChanged,
        AccountEvent::TwoFactorEnabled,
        AccountEvent::TwoFactorDisabled,
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
    /// the sessions the table ends. Audit entries and notices are the use case's to add.
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
        if self.events.contains(&AccountEvent::Erased) {
            let former = before.customer_email().map(|e| e.as_str().to_owned());
            commit.erasing(self.after.clone(), former)
        } else {
            commit.updating(self.after.clone())
        }
    }
}

fn open(account: &Account) -> Result<(), IllegalTransition> {
    if account.status.may_sign_in() {
        Ok(())
    } else {
        Err(IllegalTransition::NotActive)
    }
}

/// The events that an edit from `before` to `after` amounts to (phone, address, two-factor).
fn edit_events(before: &Account, after: &Account) -> Vec<AccountEvent> {
    let mut events = Vec::new();
    let address = |a: &Account| a.email.as_ref().map(|e| e.normalized().to_owned());
    if address(before) != address(after) {
        events.push(AccountEvent::EmailChanged);
    }
    if before.profile.phone != after.profile.phone {
        events.push(AccountEvent::PhoneChanged);
    }
    match (before.two_factor, after.two_factor) {
        (false, true) => events.push(AccountEvent::TwoFactorEnabled),
        (true, false) => events.push(AccountEvent::TwoFactorDisabled),
        _ => {}
    }
    events
}

/// Which rules an edit keeps: every customer surface keeps them all, whatever it checked
/// itself; the back office keeps none of them.
#[derive(Debug, Clone, Copy)]
struct EditRules {
    /// Only an account that may sign in is edited (not one waiting for its activation).
    needs_open: bool,
    /// The birthday, once set, stays.
    birthday_final: bool,
    /// With two-factor on, the number and the switch change only with a texted code.
    factor_needs_code: bool,
    /// A confirmed address changes only through its confirmation.
    address_confirmed: bool,
}

impl EditRules {
    const CUSTOMER: EditRules = EditRules {
        needs_open: true,
        birthday_final: true,
        factor_needs_code: true,
        address_confirmed: true,
    };
}

impl Account {
    /// Pending activation → active, with the address confirmed and a first password.
    pub fn activate(
        &self,
        password: PasswordHash,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        if self.status != AccountStatus::PendingActivation {
            return Err(IllegalTransition::NotPending);
        }
        let after = Account {
            status: AccountStatus::Active,
            email_confirmed: true,
            password_hash: Some(password),
            updated_at: now,
            ..self.clone()
        };
        Ok(Transition::new(self, after, vec![AccountEvent::Activated]))
    }

    /// The address replaced by one its owner confirmed (the key mailed to it).
    pub fn confirm_email(&self, new: Email, now: OffsetDateTime) -> Result<Transition, IllegalTransition> {
        open(self)?;
        let after = Account {
            email: Some(new),
            email_confirmed: true,
            email_temporary: false,
            updated_at: now,
            ..self.clone()
        };
        Ok(Transition::new(self, after, vec![AccountEvent::EmailChanged]))
    }

    /// A new password set by a customer who proved the current one (or had none).
    pub fn change_password(
        &self,
        password: PasswordHash,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        self.with_password(password, now, AccountEvent::PasswordChanged)
    }

    /// A new password set with a reset code.
    pub fn reset_password(
        &self,
        password: PasswordHash,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        self.with_password(password, now, AccountEvent::PasswordReset)
    }

    fn with_password(
        &self,
        password: PasswordHash,
        now: OffsetDateTime,
        event: AccountEvent,
    ) -> Result<Transition, IllegalTransition> {
        open(self)?;
        let after = Account {
            password_hash: Some(password),
            // The password was just proven (or reset): earlier failures no longer count.
            sign_in: Default::default(),
            updated_at: now,
            ..self.clone()
        };
        Ok(Transition::new(self, after, vec![event]))
    }

    /// An edit from a customer surface: `next` is this account with the surface's fields
    /// applied. Refused when it breaks a rule every surface keeps (a final birthday; the
    /// second factor's number or switch without a code; a confirmed address) or touches what
    /// has a transition of its own. A new phone number, or a first address for an account that
    /// had none (or only a placeholder), is an event with its consequences.
    pub fn edit(&self, next: Account, now: OffsetDateTime) -> Result<Transition, IllegalTransition> {
        self.edited(next, now, EditRules::CUSTOMER)
    }

    /// An edit confirmed by a code texted to the number it concerns: it may also move the
    /// second factor to another number and turn two-factor on or off.
    pub fn edit_with_code(
        &self,
        next: Account,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        let mut transition = self.edited(
            next,
            now,
            EditRules {
                factor_needs_code: false,
                ..EditRules::CUSTOMER
            },
        )?;
        transition.proven_by_code = true;
        Ok(transition)
    }

    /// An edit by the tenant's own app (its API key): as a customer's, but of any account that
    /// is not closed (one waiting for its activation too).
    pub fn edit_by_app(&self, next: Account, now: OffsetDateTime) -> Result<Transition, IllegalTransition> {
        self.edited(
            next,
            now,
            EditRules {
                needs_open: false,
                ..EditRules::CUSTOMER
            },
        )
    }

    /// Back office: an edit of any profile field, the birthday included.
    pub fn edit_by_back_office(
        &self,
        next: Account,
        now: OffsetDateTime,
    ) -> Result<Transition, IllegalTransition> {
        self.edited(
            next,
            now,
            EditRules {
                needs_open: false,
                birthday_final: false,
                factor_needs_code: false,
                address_confirmed: false,
            },
        )
    }

    fn edited(
        &self,
        next: Account,
        now: OffsetDateTime,
        rules: EditRules,
    ) -> Result<Transition, IllegalTransition> {
        if rules.needs_open {
            open(self)?;
        } else if self.status.is_closed() {
            return Err(IllegalTransition::NotActive);
        }
        self.same_identity(&next)?;
        if rules.birthday_final
            && self.profile.birthday_is_final()
            && next.profile.birthday != self.profile.birthday
        {
            return Err(IllegalTransition::BirthdayFinal);
        }
        let moves_factor = self.two_factor && next.profile.phone != self.profile.phone;
        if rules.factor_needs_code && (moves_factor || next.two_factor != self.two_factor) {
            return Err(IllegalTransition::SecondFactorNeedsCode);
        }
        // A confirmed address changes only through its confirmation; an edit may give an
        // account without one (or with a placeholder) its first.
        let replaceable = self.customer_email().is_none() || self.email_temporary;
        let address = |a: &Account| a.email.as_ref().map(|e| e.normalized().to_owned());
        if rules.address_confirmed && address(self) != address(&next) && !replaceable {
            return Err(IllegalTransition::NotAnEdit("a confirmed address"));
        }
        if address(self) == address(&next)
            && (next.email_confirmed != self.email_confirmed || next.email_temporary != self.email_temporary)
        {
            return Err(IllegalTransition::NotAnEdit("whether the address is confirmed"));
        }
        // An account waiting for its activation has no credential but its address (nobody
        // signs in to it, and its only open flow, the activation, is bound to the address):
        // a new phone number there is a plain edit, and tells no one.
        let mut events = edit_events(self, &next);
        if self.status == AccountStatus::PendingActivation {
            events.retain(|e| *e == AccountEvent::EmailChanged);
        }
        let changed = next.profile != self.profile || !events.is_empty() || next.email != self.email;
        let after = Account {
            updated_at: if changed { now } else { self.updated_at },
            ..next
        };
        Ok(Transition::new(self, after, events))
    }

    /// Status, password and ids are no edit's to change.
    fn same_identity(&self, next: &Account) -> Result<(), IllegalTransition> {
        if next.status != self.status {
            return Err(IllegalTransition::NotAnEdit("the status"));
        }
        if next.password_hash != self.password_hash {
            return Err(IllegalTransition::NotAnEdit("the password"));
        }
        if next.uuid != self.uuid || next.tenant != self.tenant || next.public_id != self.public_id {
            return Err(IllegalTransition::NotAnEdit("an id"));
        }
        Ok(())
    }

    /// Closed, its personal data kept (for now).
    pub fn deactivate(&self, now: OffsetDateTime) -> Result<Transition, IllegalTransition> {
        if self.status.is_closed() {
            return Err(IllegalTransition::AlreadyClosed);
        }
        let after = Account {
            status: AccountStatus::Deactivated,
            updated_at: now,
            ..self.clone()
        };
        Ok(Transition::new(self, after, vec![AccountEvent::Deactivated]))
    }

    /// Closed and every personal field gone (its address replaced by a placeholder that frees
    /// it); ids and timestamps stay. From a closed account, or closing one in the same step.
    pub fn erase(&self, now: OffsetDateTime) -> Result<Transition, IllegalTransition> {
        let mut events = Vec::new();
        match self.status {
            AccountStatus::Erased => return Err(IllegalTransition::AlreadyClosed),
            AccountStatus::Deactivated => {}
            _ => events.push(AccountEvent::Deactivated),
        }
        events.push(AccountEvent::Erased);
        let after = Account {
            status: AccountStatus::Erased,
            email: Some(erased_placeholder(self.uuid)),
            email_confirmed: false,
            email_temporary: false,
            password_hash: None,
            two_factor: false,
            profile: Profile::default(),
            sign_in: Default::default(),
            updated_at: now,
            ..self.clone()
        };
        Ok(Transition::new(self, after, events))
    }

    /// A closed account whose data was kept, open again (the back office's decision).
    pub fn reactivate(&self, now: OffsetDateTime) -> Result<Transition, IllegalTransition> {
        if self.status != AccountStatus::Deactivated {
            return Err(IllegalTransition::NotDeactivated);
        }
        let after = Account {
            status: AccountStatus::Active,
            updated_at: now,
            ..self.clone()
        };
        Ok(Transition::new(self, after, vec![AccountEvent::Reactivated]))
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;

impl From<IllegalTransition> for crate::error::DomainError {
    fn from(refused: IllegalTransition) -> Self {
        use crate::error::{DomainError, FieldErrors};
        match refused {
            IllegalTransition::NotPending => DomainError::SecretRefused(crate::flow::Refusal::Invalid),
            IllegalTransition::NotActive => DomainError::Unauthenticated,
            IllegalTransition::BirthdayFinal => {
                FieldErrors::single(crate::profile::field::BIRTHDAY, refused.to_string()).into()
            }
            IllegalTransition::SecondFactorNeedsCode => {
                FieldErrors::single(crate::profile::field::PHONE, refused.to_string()).into()
            }
            IllegalTransition::AlreadyClosed
            | IllegalTransition::NotDeactivated
            | IllegalTransition::NotAnEdit(_) => DomainError::Conflict(refused.to_string()),
        }
    }
}
