//! The customer's profile: what every surface reads and writes, and how an edit is validated.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::FieldErrors;
use crate::patch::Patch;
use crate::values::{Birthday, Locale, Name, Phone};

/// Postal address parts, each optional and free text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub username: Option<String>,
    pub nickname: Option<Name>,
    pub first_name: Option<Name>,
    pub middle_name: Option<Name>,
    pub last_name: Option<Name>,
    pub birthday: Option<Birthday>,
    /// Set with the birthday from a customer surface (and kept if the back office clears the
    /// date): the customer can no longer change it. See [`Profile::birthday_is_final`].
    pub birthday_locked: bool,
    pub gender: Option<String>,
    pub phone: Option<Phone>,
    pub mobile: Option<Phone>,
    pub address: Address,
    pub locale: Option<Locale>,
    pub push_token: Option<String>,
    pub wallet_address: Option<String>,
    pub subscriptions: Vec<String>,
    pub referral_code: Option<String>,
}

/// The domain's field names, which surfaces rename to theirs in error answers.
impl Profile {
    /// Whether the date of birth may no longer change on any customer surface: once one is set
    /// (from whichever surface), it stays; only the back office changes it. Birthday rewards
    /// could otherwise be collected again and again.
    pub fn birthday_is_final(&self) -> bool {
        self.birthday_locked || self.birthday.is_some()
    }
}

pub mod field {
    pub const NICKNAME: &str = "nickname";
    pub const LOCALE: &str = "locale";
    pub const FIRST_NAME: &str = "first_name";
    pub const MIDDLE_NAME: &str = "middle_name";
    pub const LAST_NAME: &str = "last_name";
    pub const BIRTHDAY: &str = "birthday";
    pub const PHONE: &str = "phone";
}

/// An edit as a surface received it: raw text per field, not yet validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileEdit {
    pub nickname: Patch<Option<String>>,
    pub locale: Patch<Option<String>>,
    pub first_name: Patch<Option<String>>,
    pub middle_name: Patch<Option<String>>,
    pub last_name: Patch<Option<String>>,
    pub birthday: Patch<Option<String>>,
    pub phone: Patch<Option<String>>,
}

/// A validated edit, ready to apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    nickname: Patch<Option<Name>>,
    locale: Patch<Option<Locale>>,
    first_name: Patch<Option<Name>>,
    middle_name: Patch<Option<Name>>,
    last_name: Patch<Option<Name>>,
    birthday: Patch<Option<Birthday>>,
    phone: Patch<Option<Phone>>,
}

fn check<T>(
    errors: &mut FieldErrors,
    field: &str,
    result: Result<Patch<Option<T>>, String>,
) -> Patch<Option<T>> {
    result.unwrap_or_else(|message| {
        errors.add(field, message);
        Patch::Keep
    })
}

impl ProfileEdit {
    /// Validates every field, reporting all failures at once.
    pub fn validate(self, today: Date) -> Result<ProfileChanges, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = |value: String| Name::parse(&value);
        let changes = ProfileChanges {
            nickname: check(&mut errors, field::NICKNAME, self.nickname.try_map(name)),
            locale: check(
                &mut errors,
                field::LOCALE,
                self.locale.try_map(|v| Locale::parse(&v)),
            ),
            first_name: check(&mut errors, field::FIRST_NAME, self.first_name.try_map(name)),
            middle_name: check(&mut errors, field::MIDDLE_NAME, self.middle_name.try_map(name)),
            last_name: check(&mut errors, field::LAST_NAME, self.last_name.try_map(name)),
            birthday: check(
                &mut errors,
                field::BIRTHDAY,
                self.birthday.try_map(|v| Birthday::parse(&v, today)),
            ),
            phone: check(
                &mut errors,
                field::PHONE,
                self.phone.try_map(|v| Phone::parse(&v)),
            ),
        };
        errors.into_result(changes)
    }
}

impl ProfileChanges {
    /// Applies the changes; refuses (changing nothing) what the profile no longer allows.
    pub fn apply(self, profile: &Profile) -> Result<Profile, FieldErrors> {
        if profile.birthday_is_final() {
            if let Patch::Set(wanted) = &self.birthday {
                if *wanted != profile.birthday {
                    return Err(FieldErrors::single(field::BIRTHDAY, "may no longer be changed"));
                }
            }
        }
        Ok(self.apply_by_back_office(profile))
    }

    /// Applies the changes as the back office may: a final birthday included.
    pub fn apply_by_back_office(self, profile: &Profile) -> Profile {
        let mut next = profile.clone();
        self.nickname.apply_to(&mut next.nickname);
        self.locale.apply_to(&mut next.locale);
        self.first_name.apply_to(&mut next.first_name);
        self.middle_name.apply_to(&mut next.middle_name);
        self.last_name.apply_to(&mut next.last_name);
        // A date set is final for the customer; one the back office clears may be set again.
        if matches!(self.birthday, Patch::Set(_)) {
            self.birthday.apply_to(&mut next.birthday);
            next.birthday_locked = next.birthday.is_some();
        }
        self.phone.apply_to(&mut next.phone);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);

    fn set(value: &str) -> Patch<Option<String>> {
        Patch::Set(Some(value.to_owned()))
    }

    #[test]
    fn keeps_absent_sets_given_and_clears_null() {
        let mut profile = Profile {
            nickname: Some(Name::parse("Old").unwrap()),
            last_name: Some(Name::parse("Parker").unwrap()),
            ..Profile::default()
        };
        profile.locale = Some(Locale::parse("en_US").unwrap());
        let edit = ProfileEdit {
            nickname: set(" New "),
            locale: Patch::Set(None),
            ..Default::default()
        };
        let next = edit.validate(TODAY).unwrap().apply(&profile).unwrap();
        assert_eq!(next.nickname.unwrap().as_str(), "New");
        assert_eq!(next.locale, None);
        assert_eq!(next.last_name.unwrap().as_str(), "Parker");
    }

    #[test]
    fn reports_every_invalid_field() {
        let edit = ProfileEdit {
            first_name: set(""),
            locale: set("english"),
            birthday: set("2999-01-01"),
            phone: set("123"),
            ..Default::default()
        };
        let errors = edit.validate(TODAY).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(fields, ["birthday", "first_name", "locale", "phone"]);
    }

    #[test]
    fn locked_birthday_refuses_a_different_date_but_accepts_the_same() {
        let profile = Profile {
            birthday: Some(Birthday::parse("1990-05-15", TODAY).unwrap()),
            birthday_locked: true,
            ..Profile::default()
        };
        let same = ProfileEdit {
            birthday: set("1990-05-15T00:00:00+00:00"),
            ..Default::default()
        };
        assert!(same.validate(TODAY).unwrap().apply(&profile).is_ok());
        let other = ProfileEdit {
            birthday: set("1991-05-15"),
            ..Default::default()
        };
        let errors = other.validate(TODAY).unwrap().apply(&profile).unwrap_err();
        assert!(errors.iter().any(|(k, _)| k == "birthday"));
    }
}
