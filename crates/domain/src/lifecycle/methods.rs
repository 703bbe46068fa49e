//! The account's guarded transitions: each refuses what the account's state does not allow and
//! returns the [`Transition`] it makes.

use time::OffsetDateTime;

use super::{AccountEvent, IllegalTransition, Transition};
use crate::account::{erased_placeholder, Account, AccountStatus};
use crate::profile::Profile;
use crate::values::{Email, PasswordHash};

pub(super) fn open(account: &Account) -> Result<(), IllegalTransition> {
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
        if next.two_factor && next.profile.phone.is_none() {
            return Err(IllegalTransition::SecondFactorWithoutNumber);
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
            factors: Default::default(),
            external_id: None,
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
