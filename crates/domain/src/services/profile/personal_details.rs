//! Editing one's personal details (TSS's profile edit maps onto it): names sanitised, a gender
//! (the surface decides from which set), a birthdate that locks once set, a telephone unique in
//! the tenant, and an email only while the account has none or a temporary one (otherwise the
//! confirmed email change).

use crate::services::support::reapply::{account_to_decide_on, on_current_account, Attempt};
use std::sync::Arc;

use crate::account::Account;
use crate::error::{DomainError, FieldErrors};
use crate::lifecycle::MadeBy;
use crate::ports::{StoreError, UniqueKey};
use crate::profile::Profile;
use crate::services::Authenticated;
use crate::services::{Deps, FlowDeps, ProfileStanding, ProfileView, SignIn};
use crate::values::{Birthday, Email, Name, Phone, PhoneRegion};

/// Longest gender kept.
const GENDER_LEN: usize = 32;

/// The edit as a customer sends it, field by field, before any is checked.
#[derive(Debug, Clone, Default)]
pub struct DetailsEdit {
    pub first_name: String,
    pub last_name: String,
    /// One of the surface's genders, checked by the surface.
    pub gender: String,
    /// `YYYY-MM-DD`; `None` leaves the date as it is.
    pub birthday: Option<String>,
    /// National in the tenant's region, or international.
    pub phone: String,
    pub email: Option<String>,
}

/// A name as a customer may have typed it into a form: markup (anything from `<` to the next
/// `>`) and control characters removed, runs of white space made one space, trimmed.
pub fn sanitize_name(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut in_tag = false;
    for c in raw.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_control() => text.push(' '),
            c => text.push(c),
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An edit whose every field is valid on its own; what it may change of an account is decided
/// by [`ValidEdit::applied_to`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEdit {
    pub first_name: Name,
    pub last_name: Name,
    pub gender: String,
    /// `None`: leave the date as it is.
    pub birthday: Option<Birthday>,
    pub phone: Phone,
    pub email: Option<Email>,
}

impl ValidEdit {
    /// Checks each field of `edit`, reading a national telephone number in `region`.
    pub fn check(
        edit: &DetailsEdit,
        region: Option<PhoneRegion>,
        today: time::Date,
    ) -> Result<ValidEdit, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut name = |field: &str, raw: &str| {
            Name::parse(&sanitize_name(raw))
                .map_err(|m| errors.add(field, m))
                .ok()
        };
        let first_name = name("first_name", &edit.first_name);
        let last_name = name("last_name", &edit.last_name);
        // Which genders a client offers is its own vocabulary (the surface checks it); here a
        // gender is a short word, as a profile keeps it.
        let gender = edit.gender.trim().to_ascii_lowercase();
        if gender.is_empty() {
            errors.add("gender", "is required");
        } else if gender.chars().count() > GENDER_LEN || gender.chars().any(|c| c.is_control()) {
            errors.add(
                "gender",
                format!("must be at most {GENDER_LEN} characters without control characters"),
            );
        }
        let birthday = match edit.birthday.as_deref() {
            None => Some(None),
            Some(raw) => Birthday::parse(raw.trim(), today)
                .map(Some)
                .map_err(|m| errors.add("birthday", m))
                .ok(),
        };
        let phone = Phone::parse_in(&edit.phone, region)
            .map_err(|m| errors.add("phone", m))
            .ok();
        let email = match edit.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(raw) => Email::parse(raw).map_err(|m| errors.add("email", m)).ok(),
            None => None,
        };
        match (first_name, last_name, birthday, phone) {
            (Some(first_name), Some(last_name), Some(birthday), Some(phone)) if errors.is_empty() => {
                Ok(ValidEdit {
                    first_name,
                    last_name,
                    gender,
                    birthday,
                    phone,
                    email,
                })
            }
            _ => Err(errors),
        }
    }

    /// `current` with this edit applied (nothing else changed), or why it may not be: a locked
    /// Whether applying the edit gives `current` an email address (one it had none or only a
    /// placeholder for): where reset codes will go, so it needs a recent sign-in.
    pub fn sets_email(&self, current: &Account) -> bool {
        let replaceable = current.customer_email().is_none() || current.email_temporary;
        self.email.as_ref().is_some_and(|e| {
            replaceable
                && current
                    .customer_email()
                    .is_none_or(|c| c.normalized() != e.normalized())
        })
    }

    /// birthdate another date would replace, an email that may no longer change here.
    pub fn applied_to(&self, current: &Account) -> Result<Account, FieldErrors> {
        let mut errors = FieldErrors::new();
        let (birthday, birthday_locked) = match (self.birthday, current.profile.birthday) {
            (None, existing) => (existing, current.profile.birthday_locked),
            (Some(new), Some(existing)) if current.profile.birthday_is_final() && new != existing => {
                errors.add("birthday", "is set already and cannot be changed");
                (Some(existing), true)
            }
            (Some(new), _) => (Some(new), true),
        };
        let replaceable = current.customer_email().is_none() || current.email_temporary;
        let unchanged = (
            current.email.clone(),
            current.email_temporary,
            current.email_confirmed,
        );
        let (email, email_temporary, email_confirmed) = match &self.email {
            None => unchanged,
            Some(e)
                if current
                    .customer_email()
                    .is_some_and(|c| c.normalized() == e.normalized()) =>
            {
                unchanged
            }
            Some(e) if replaceable => (Some(e.clone()), false, false),
            Some(_) => {
                errors.add(
                    "email",
                    "cannot be changed here once set: use the confirmed email change",
                );
                unchanged
            }
        };
        errors.into_result(Account {
            email,
            email_temporary,
            email_confirmed,
            profile: Profile {
                first_name: Some(self.first_name.clone()),
                last_name: Some(self.last_name.clone()),
                gender: Some(self.gender.clone()),
                birthday,
                birthday_locked,
                phone: Some(self.phone.clone()),
                ..current.profile.clone()
            },
            ..current.clone()
        })
    }
}

/// What a version-checked write of an edited account answers when a unique value is taken.
pub(crate) fn taken(error: StoreError) -> Attempt {
    match error {
        StoreError::Duplicate(UniqueKey::Phone) => Attempt::Failed(DomainError::Taken(FieldErrors::single(
            "phone",
            "is already another account's",
        ))),
        StoreError::Duplicate(UniqueKey::Email) => Attempt::Failed(DomainError::Taken(FieldErrors::single(
            "email",
            "is already another account's",
        ))),
        other => other.into(),
    }
}

/// Editing one's personal details (names, gender, birthdate, telephone, a first email), with a
/// new telephone of a two-factor account, or the two-factor switch, held for a texted code.
pub struct PersonalDetails {
    deps: Deps,
    flows: FlowDeps,
    pub(super) view: Arc<ProfileView>,
    /// Opens the session that replaces the caller's when a confirmed code changes its phone.
    sign_in: Arc<SignIn>,
}

impl PersonalDetails {
    pub fn new(deps: Deps, flows: FlowDeps, view: Arc<ProfileView>, sign_in: Arc<SignIn>) -> Self {
        PersonalDetails {
            deps,
            flows,
            view,
            sign_in,
        }
    }

    pub(super) fn deps(&self) -> &Deps {
        &self.deps
    }

    pub(super) fn flows(&self) -> &FlowDeps {
        &self.flows
    }

    pub(super) fn sign_in(&self) -> &SignIn {
        &self.sign_in
    }

    /// What is wrong with each field of `edit` on its own, for a surface that found problems
    /// of its own and reports them all at once.
    pub async fn problems(
        &self,
        who: &Authenticated,
        edit: &DetailsEdit,
    ) -> Result<FieldErrors, DomainError> {
        let today = self.deps().clock.now().date();
        let region = self.view.region_of(&who.account.tenant).await?;
        Ok(ValidEdit::check(edit, region, today).err().unwrap_or_default())
    }

    /// Applies the caller's edit (every field at once, or none) and answers the profile as it
    /// now reads. A telephone or email another account
    /// holds is `Taken`. With two-factor on, a new telephone is not applied here: the rest is,
    /// and a code goes to the new number (see `PersonalDetails::hold_for_code`).
    pub async fn edit(
        &self,
        who: &Authenticated,
        edit: DetailsEdit,
    ) -> Result<(ProfileStanding, bool), DomainError> {
        let now = self.deps().clock.now();
        let region = self.view.region_of(&who.account.tenant).await?;
        let valid = ValidEdit::check(&edit, region, now.date())?;
        // A new number that must wait for a code: refused before anything is saved if no code
        // can go to it now (too soon, locked, another account's number).
        let holds = who.account.two_factor && who.account.profile.phone.as_ref() != Some(&valid.phone);
        // A new second factor, or where reset codes go: only for a recent sign-in.
        if holds || valid.sets_email(&who.account) {
            self.flows().require_recent_sign_in(who, now)?;
        }
        if holds {
            self.hold_allowed(&who.account, &valid.phone, now).await?;
        }
        let accounts = self.deps().accounts.clone();
        let mut code_for: Option<ValidEdit> = None;
        let (deps, flows, session) = (self.deps(), self.flows(), who.session.id);
        let turn = self
            .deps()
            .turns
            .take(&who.account.tenant, who.account.uuid)
            .await;
        let start = account_to_decide_on(accounts.as_ref(), &who.account, turn.waited()).await?;
        let account = on_current_account(accounts.as_ref(), start, |current| {
            let valid = valid.clone();
            let held = current.two_factor && current.profile.phone.as_ref() != Some(&valid.phone);
            let wanted = valid.clone();
            code_for = held.then_some(wanted);
            let kept_phone = current.profile.phone.clone();
            async move {
                if !current.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                let mut edited = valid.applied_to(&current).map_err(DomainError::from)?;
                if held {
                    // The number waits for its code; everything else applies now.
                    edited.profile.phone = kept_phone;
                }
                if edited == current {
                    return Ok(current);
                }
                let transition = current.edit(edited, now).map_err(DomainError::from)?;
                let by = MadeBy::customer().from_session(session);
                flows.store_edit(deps, &transition, by).await.map_err(taken)
            }
        })
        .await?;
        let code_sent = match code_for {
            Some(wanted) => {
                self.hold_for_code(who, &account, &wanted, true).await?;
                true
            }
            None => false,
        };
        drop(turn);
        Ok((self.view.view_of(account).await?, code_sent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_markup_and_control_characters() {
        assert_eq!(sanitize_name("  <b>John</b>\t "), "John");
        assert_eq!(sanitize_name("<script>alert(1)</script>Doe"), "alert(1)Doe");
        assert_eq!(sanitize_name("Anne\u{0}  Marie\nO'Neil"), "Anne Marie O'Neil");
        assert_eq!(sanitize_name("<img src=x onerror=alert(1)>"), "");
        assert_eq!(sanitize_name("5 > 3"), "5 > 3");
    }

    #[test]
    fn every_field_is_checked_at_once_and_named() {
        let today = time::macros::date!(2026 - 11 - 30);
        let edit = DetailsEdit {
            first_name: "<b></b>".into(),
            last_name: "Lee".into(),
            gender: " ".into(),
            birthday: Some("2030-01-01".into()),
            phone: "12".into(),
            email: Some("not an address".into()),
        };
        let errors = ValidEdit::check(&edit, None, today).unwrap_err();
        let mut named: Vec<&str> = errors.iter().map(|(field, _)| field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(named, ["birthday", "email", "first_name", "gender", "phone"]);
        let kept = DetailsEdit {
            first_name: "Ann".into(),
            gender: "Female".into(),
            birthday: None,
            phone: "+14155550123".into(),
            email: None,
            ..edit
        };
        let valid = ValidEdit::check(&kept, None, today).unwrap();
        assert_eq!((valid.gender.as_str(), valid.birthday), ("female", None));
    }

    #[test]
    fn giving_an_account_its_first_address_is_setting_an_email() {
        let edit = |email: Option<&str>| {
            let edit = DetailsEdit {
                first_name: "Ann".into(),
                last_name: "Lee".into(),
                gender: "female".into(),
                birthday: None,
                phone: "+14155550123".into(),
                email: email.map(str::to_owned),
            };
            ValidEdit::check(&edit, None, time::macros::date!(2026 - 11 - 30)).unwrap()
        };
        let with_address = crate::services::support::test_support::account();
        let mut without = with_address.clone();
        without.email = None;
        assert!(edit(Some("new@example.com")).sets_email(&without));
        assert!(!edit(None).sets_email(&without));
        let same = with_address.customer_email().unwrap().as_str().to_uppercase();
        assert!(!edit(Some(&same)).sets_email(&with_address), "the address it has");
        assert!(
            !edit(Some("other@example.com")).sets_email(&with_address),
            "refused anyway: an address, once set, changes only by confirmation"
        );
    }
}
