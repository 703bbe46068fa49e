//! Editing the TSS profile (`POST /api/user/profile`): names sanitised, a gender from a fixed
//! set, a birthdate that locks once set, a telephone unique in the tenant, and an email only
//! while the account has none or a temporary one (otherwise the confirmed email change).

use super::reapply::{on_current_account, Attempt};
use super::tss_profile::{TssProfileView, TssProfiles};
use super::Authenticated;
use crate::account::Account;
use crate::error::{DomainError, FieldErrors};
use crate::ports::{StoreError, UniqueKey};
use crate::profile::Profile;
use crate::values::{Birthday, Email, Name, Phone};

/// What `gender` may be.
pub const GENDERS: [&str; 4] = ["male", "female", "other", "undisclosed"];
/// What `birthdate` says to leave the date as it is.
pub const NO_BIRTHDATE: &str = "0000-00-00";

/// The edit as the customer sends it.
#[derive(Debug, Clone, Default)]
pub struct TssEdit {
    pub firstname: String,
    pub lastname: String,
    pub gender: String,
    pub birthdate: String,
    pub telephone: String,
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

/// `YYYY-MM-DD` only (the seed's form), or the "leave it" marker.
fn birthdate(raw: &str, today: time::Date) -> Result<Option<Birthday>, String> {
    let raw = raw.trim();
    if raw == NO_BIRTHDATE {
        return Ok(None);
    }
    let shaped = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
    if !shaped {
        return Err(format!(
            "must be a date, YYYY-MM-DD, or {NO_BIRTHDATE} to leave it unset"
        ));
    }
    Birthday::parse(raw, today).map(Some)
}

impl TssProfiles {
    /// Applies the caller's edit (every field at once, or none) and answers the profile as it
    /// now reads. Field errors name the seed's fields; a telephone or email another account
    /// holds is `Taken`.
    pub async fn edit(&self, who: &Authenticated, edit: TssEdit) -> Result<TssProfileView, DomainError> {
        let now = self.deps().clock.now();
        let region = self.region_of(&who.account.tenant).await?;
        let mut errors = FieldErrors::new();
        let mut name = |field: &str, raw: &str| {
            Name::parse(&sanitize_name(raw))
                .map_err(|m| errors.add(field, m))
                .ok()
        };
        let first_name = name("firstname", &edit.firstname);
        let last_name = name("lastname", &edit.lastname);
        let gender = edit.gender.trim().to_ascii_lowercase();
        if !GENDERS.contains(&gender.as_str()) {
            errors.add("gender", format!("must be one of {}", GENDERS.join(", ")));
        }
        let birthday = birthdate(&edit.birthdate, now.date())
            .map_err(|m| errors.add("birthdate", m))
            .ok();
        let phone = Phone::parse_in(&edit.telephone, region)
            .map_err(|m| errors.add("telephone", m))
            .ok();
        let email = match edit.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(raw) => Email::parse(raw).map_err(|m| errors.add("email", m)).ok(),
            None => None,
        };
        let (Some(first_name), Some(last_name), Some(birthday), Some(phone)) =
            (first_name, last_name, birthday, phone)
        else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let accounts = self.deps().accounts.clone();
        let account = on_current_account(accounts.as_ref(), who.account.clone(), |current| {
            let (first_name, last_name, gender, phone, email) = (
                first_name.clone(),
                last_name.clone(),
                gender.clone(),
                phone.clone(),
                email.clone(),
            );
            let accounts = accounts.clone();
            async move {
                if !current.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                let mut errors = FieldErrors::new();
                let (birthday, birthday_locked) = match (birthday, current.profile.birthday) {
                    (None, existing) => (existing, current.profile.birthday_locked),
                    (Some(new), Some(existing)) if current.profile.birthday_locked && new != existing => {
                        errors.add("birthdate", "is set already and cannot be changed");
                        (Some(existing), true)
                    }
                    (Some(new), _) => (Some(new), true),
                };
                let replaceable = current.customer_email().is_none() || current.email_temporary;
                let (new_email, temporary, confirmed) = match email {
                    None => (
                        current.email.clone(),
                        current.email_temporary,
                        current.email_confirmed,
                    ),
                    Some(e)
                        if current
                            .customer_email()
                            .is_some_and(|c| c.normalized() == e.normalized()) =>
                    {
                        (
                            current.email.clone(),
                            current.email_temporary,
                            current.email_confirmed,
                        )
                    }
                    Some(e) if replaceable => (Some(e), false, false),
                    Some(_) => {
                        errors.add(
                            "email",
                            "cannot be changed here once set: use the confirmed email change",
                        );
                        (
                            current.email.clone(),
                            current.email_temporary,
                            current.email_confirmed,
                        )
                    }
                };
                if !errors.is_empty() {
                    return Err(DomainError::from(errors).into());
                }
                let edited = Account {
                    email: new_email,
                    email_temporary: temporary,
                    email_confirmed: confirmed,
                    profile: Profile {
                        first_name: Some(first_name),
                        last_name: Some(last_name),
                        gender: Some(gender),
                        birthday,
                        birthday_locked,
                        phone: Some(phone),
                        ..current.profile.clone()
                    },
                    ..current.clone()
                };
                if edited == current {
                    return Ok(current);
                }
                let edited = Account {
                    updated_at: now,
                    ..edited
                };
                match accounts.update(&edited).await {
                    Ok(saved) => Ok(saved),
                    Err(StoreError::Duplicate(UniqueKey::Phone)) => Err(Attempt::Failed(DomainError::Taken(
                        FieldErrors::single("telephone", "is already another account's"),
                    ))),
                    Err(StoreError::Duplicate(UniqueKey::Email)) => Err(Attempt::Failed(DomainError::Taken(
                        FieldErrors::single("email", "is already another account's"),
                    ))),
                    Err(other) => Err(other.into()),
                }
            }
        })
        .await?;
        self.view_of(account).await
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
    fn birthdates_are_iso_dates_or_the_leave_marker() {
        let today = time::macros::date!(2026 - 11 - 30);
        assert_eq!(birthdate("0000-00-00", today), Ok(None));
        assert!(birthdate("1990-05-15", today).unwrap().is_some());
        for bad in [
            "1990-5-15",
            "15/05/1990",
            "1990-05-15T00:00:00Z",
            "2030-01-01",
            "",
        ] {
            assert!(birthdate(bad, today).is_err(), "{bad}");
        }
    }
}
