//! Two-factor steps of the TSS profile: a change of telephone or of the two-factor switch is
//! held until a code texted to the number confirms it (`/api/user/profile/2fa`, then
//! `/verify-otp`). The code is bound to the account, the purpose and the number; the edit it
//! confirms travels with it, in its flow.

use time::OffsetDateTime;

use super::personal_details::{taken, DetailsEdit, PersonalDetails, ValidEdit};
use crate::account::Account;
use crate::error::{DomainError, FieldErrors};
use crate::flow::{Flow, FlowStatus, Purpose, Refusal};
use crate::lifecycle::MadeBy;
use crate::pending_change::{HeldEdit, PendingChange};
use crate::ports::{Commit, StoreError};
use crate::services::support::reapply::on_current_account;
use crate::services::Authenticated;
use crate::services::ProfileStanding;
use crate::services::SignedIn;
use crate::values::{Birthday, Email, Name, Phone};

/// The edit a code confirms, as its flow keeps it.
fn held(edit: &ValidEdit, two_factor: bool) -> HeldEdit {
    HeldEdit {
        firstname: edit.first_name.to_string(),
        lastname: edit.last_name.to_string(),
        gender: edit.gender.clone(),
        birthdate: edit.birthday.map(|b| b.date()),
        telephone: edit.phone.as_str().to_owned(),
        email: edit.email.as_ref().map(|e| e.as_str().to_owned()),
        two_factor,
    }
}

/// The edit a held one is, and the switch it wants.
fn held_edit(held: &HeldEdit) -> Result<(ValidEdit, bool), DomainError> {
    let unreadable = || DomainError::Unavailable("a held edit could not be read back".into());
    Ok((
        ValidEdit {
            first_name: Name::parse(&held.firstname).map_err(|_| unreadable())?,
            last_name: Name::parse(&held.lastname).map_err(|_| unreadable())?,
            gender: held.gender.clone(),
            birthday: held.birthdate.map(Birthday::from_stored),
            phone: Phone::from_stored(held.telephone.clone()),
            email: held.email.clone().map(Email::from_stored),
        },
        held.two_factor,
    ))
}

/// `TooSoon` while `open`'s last code was sent less than `resend_after` ago.
fn too_soon(open: &Flow, resend_after: time::Duration, now: OffsetDateTime) -> Result<(), DomainError> {
    let wait = open.sent_at + resend_after - now;
    if wait.is_positive() {
        return Err(DomainError::TooSoon(wait.whole_seconds().max(1) as u64));
    }
    Ok(())
}

/// What `/api/user/profile/2fa` did.
#[derive(Debug, Clone)]
pub enum TwoFactorEdit {
    /// Neither the telephone nor the switch changed: applied at once.
    Applied {
        view: ProfileStanding,
        valid_token_count: i64,
    },
    /// Held: a code went to `number` (E.164).
    CodeSent { number: Phone, view: ProfileStanding },
}

/// What a confirmed code did.
#[derive(Debug, Clone)]
pub struct CodeConfirmed {
    pub view: ProfileStanding,
    /// The session that replaces the caller's, when the telephone changed.
    pub new_session: Option<SignedIn>,
    pub valid_token_count: i64,
}

impl PersonalDetails {
    /// The profile edit with the two-factor switch: applied at once when neither the telephone
    /// nor the switch changes; otherwise held, and a code texted to the new number (to the
    /// current one when two-factor is being turned off).
    pub async fn edit_with_two_factor(
        &self,
        who: &Authenticated,
        edit: DetailsEdit,
        two_factor: bool,
    ) -> Result<TwoFactorEdit, DomainError> {
        let now = self.deps().clock.now();
        let region = self.view.region_of(&who.account.tenant).await?;
        let valid = ValidEdit::check(&edit, region, now.date())?;
        let current = self.current(who).await?;
        let phone_changes = current.profile.phone.as_ref() != Some(&valid.phone);
        // Turning it on or off, or moving it to another number, changes how the account signs
        // in: only for a recent sign-in (a stale token must not put its own phone in charge);
        // so does giving the account its first address (where reset codes go), held or not.
        if current.two_factor != two_factor || (two_factor && phone_changes) || valid.sets_email(&current) {
            self.flows().require_recent_sign_in(who, now)?;
        }
        if !phone_changes && current.two_factor == two_factor {
            let (view, _) = self.edit(who, edit).await?;
            let valid_token_count = self.valid_token_count(&view.account, now).await?;
            return Ok(TwoFactorEdit::Applied {
                view,
                valid_token_count,
            });
        }
        // What the rest of the edit would do is checked now, not only once confirmed.
        valid.applied_to(&current).map_err(DomainError::from)?;
        let number = self.hold_for_code(who, &current, &valid, two_factor).await?;
        let view = self.view.view_of(current).await?;
        Ok(TwoFactorEdit::CodeSent { number, view })
    }

    /// Holds `wanted` (with the switch at `two_factor`) until a code confirms it, and texts the
    /// code: to the new number, or to the current one when two-factor is being turned off.
    /// Asking again within the resend wait sends nothing (`TooSoon`); a locked code, nothing
    /// until it expires.
    pub(crate) async fn hold_for_code(
        &self,
        who: &Authenticated,
        account: &Account,
        wanted: &ValidEdit,
        two_factor: bool,
    ) -> Result<Phone, DomainError> {
        let now = self.deps().clock.now();
        let number = match (&account.profile.phone, account.two_factor && !two_factor) {
            (Some(current), true) => current.clone(),
            _ => wanted.phone.clone(),
        };
        self.hold_allowed(account, &wanted.phone, now).await?;
        let held = PendingChange::HeldEdit(held(wanted, two_factor));
        let flows = self.flows();
        on_current_account(self.deps().accounts.as_ref(), account.clone(), |account| {
            let (number, held) = (number.clone(), held.clone());
            async move {
                if !account.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                let open = flows
                    .secrets
                    .flows
                    .find_open(&account.tenant, account.uuid, Purpose::PhoneChange)
                    .await?;
                // Checked again here: a code may have gone since hold_allowed looked.
                if let Some(open) = open.filter(|f| f.status == FlowStatus::Pending && f.expires_at > now) {
                    too_soon(&open, flows.settings.resend_after, now)?;
                }
                // Not once the caller's session has ended (a reset won a race with it).
                let commit = Commit::at(now).made_from(&who.session);
                flows
                    .text_code(
                        self.deps(),
                        &account,
                        Purpose::PhoneChange,
                        number.as_str(),
                        Some(held),
                        commit,
                    )
                    .await
            }
        })
        .await?;
        Ok(number)
    }

    /// Whether a code for a change to `wanted` may go now: not to another account's number,
    /// not sooner than the resend wait after the last one (`TooSoon`), not while the last one is
    /// locked (`Locked`).
    pub(crate) async fn hold_allowed(
        &self,
        account: &Account,
        wanted: &Phone,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if account.profile.phone.as_ref() != Some(wanted) {
            let holder = self
                .deps()
                .accounts
                .find_by_phone(&account.tenant, wanted.as_str())
                .await?;
            if holder.is_some_and(|h| h.uuid != account.uuid) {
                return Err(DomainError::Taken(FieldErrors::single(
                    "phone",
                    "is already another account's",
                )));
            }
        }
        let open = self
            .flows()
            .secrets
            .flows
            .find_open(&account.tenant, account.uuid, Purpose::PhoneChange)
            .await?;
        match open.filter(|f| f.expires_at > now) {
            Some(f) if f.status == FlowStatus::Locked => Err(DomainError::SecretRefused(Refusal::Locked)),
            Some(f) if f.status == FlowStatus::Pending => {
                too_soon(&f, self.flows().settings.resend_after, now)
            }
            _ => Ok(()),
        }
    }

    /// Confirms the held edit with the texted `code`, sent to `telephone`. A changed telephone
    /// signs every session out and opens a new one in place of the caller's.
    pub async fn confirm_code(
        &self,
        who: &Authenticated,
        telephone: &str,
        code: &str,
    ) -> Result<CodeConfirmed, DomainError> {
        let now = self.deps().clock.now();
        let region = self.view.region_of(&who.account.tenant).await?;
        let number = Phone::parse_in(telephone, region).map_err(|m| FieldErrors::single("phone", m))?;
        let flows = self.flows();
        let flow = flows
            .secrets
            .flows
            .find_open(&who.account.tenant, who.account.uuid, Purpose::PhoneChange)
            .await?;
        // Bound to the number it went to: another number is no code of this account's.
        let flow = flow.filter(|f| f.target == number.as_str());
        let counted = flows.secrets.check(flow, Purpose::PhoneChange, code, now).await?;
        let Some(PendingChange::HeldEdit(held)) = &counted.pending_change else {
            return Err(DomainError::Unavailable(
                "a held edit could not be read back".into(),
            ));
        };
        let (wanted, two_factor) = held_edit(held)?;
        let keep = who.session.id;
        // A new number signs out every session, the caller's too: it gets this one instead, in
        // the same commit (or none of it happens if the caller was signed out meanwhile).
        let replacement = self.sign_in().replacement_for(&who.session);
        let mut phone_changed = false;
        let account = on_current_account(self.deps().accounts.as_ref(), who.account.clone(), |current| {
            let (wanted, counted) = (wanted.clone(), &counted);
            phone_changed = current.profile.phone.as_ref() != Some(&wanted.phone);
            let changes_phone = phone_changed;
            let replacement = replacement.clone();
            async move {
                if !current.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                let edited = wanted.applied_to(&current).map_err(DomainError::from)?;
                // The code proves the number: the second factor may move, or be switched.
                let transition = current
                    .edit_with_code(Account { two_factor, ..edited }, now)
                    .map_err(DomainError::from)?;
                let edited = transition.after().clone();
                let mut commit = self
                    .flows()
                    .apply(
                        self.deps(),
                        Commit::at(now),
                        &transition,
                        MadeBy::customer().completing(counted).from_session(keep),
                    )
                    .await?;
                if changes_phone {
                    commit = commit.replacing_session(keep, replacement);
                }
                match self.flows().commits.commit(commit).await {
                    Ok(()) => Ok(Account {
                        version: edited.version + 1,
                        ..edited
                    }),
                    // The code was used meanwhile.
                    Err(StoreError::FlowChanged) => Err(DomainError::SecretRefused(Refusal::Invalid).into()),
                    Err(other) => Err(taken(other)),
                }
            }
        })
        .await?;
        let new_session = if phone_changed {
            Some(self.sign_in().token_for(&account, replacement)?)
        } else {
            None
        };
        let valid_token_count = self.valid_token_count(&account, now).await?;
        let view = self.view.view_of(account).await?;
        Ok(CodeConfirmed {
            view,
            new_session,
            valid_token_count,
        })
    }

    async fn current(&self, who: &Authenticated) -> Result<Account, DomainError> {
        self.deps()
            .accounts
            .find_by_uuid(&who.account.tenant, who.account.uuid)
            .await?
            .filter(|a| a.status.may_sign_in())
            .ok_or(DomainError::Unauthenticated)
    }

    async fn valid_token_count(&self, account: &Account, now: OffsetDateTime) -> Result<i64, DomainError> {
        Ok(self
            .deps()
            .sessions
            .count_active(&account.tenant, account.uuid, now)
            .await?)
    }
}
