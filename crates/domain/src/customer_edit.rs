//! The Customer area's view of the shared profile, and its edits.
//!
//! `name` is the first, middle and last name joined by single spaces. Writing a `name` that
//! differs from that splits it: the first word becomes the first name, the rest the last name,
//! and the middle name is cleared; writing back the same name changes nothing, so the structure
//! another surface gave it survives. Whitespace inside a name is collapsed to single spaces.
//! `phone` and `mobile` are the profile's phone and mobile numbers (E.164).

use crate::error::FieldErrors;
use crate::patch::Patch;
use crate::profile::Profile;
use crate::values::{Name, Phone};

const TEXT_MAX: usize = 200;
const SUBSCRIPTIONS_MAX: usize = 50;

/// An edit of the Customer area's fields, as received (not yet validated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerEdit {
    pub name: Patch<Option<String>>,
    pub phone: Patch<Option<String>>,
    pub mobile: Patch<Option<String>>,
    pub address: Patch<Option<String>>,
    pub address_town: Patch<Option<String>>,
    pub address_postcode: Patch<Option<String>>,
    pub address_region: Patch<Option<String>>,
    pub country: Patch<Option<String>>,
    pub subscriptions: Patch<Vec<String>>,
}

/// First, middle and last name joined by single spaces.
pub fn full_name(profile: &Profile) -> Option<String> {
    let parts: Vec<&str> = [&profile.first_name, &profile.middle_name, &profile.last_name]
        .into_iter()
        .flatten()
        .map(Name::as_str)
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// Splits a full name into first and last name (see the module documentation).
pub fn split_name(raw: &str) -> Result<(Name, Option<Name>), String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let Some((first, rest)) = words.split_first() else {
        return Err("must not be empty".into());
    };
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    // The whole name as sent fits one name's limit, as the form that sent it counts.
    if raw.chars().count() > Name::MAX_CHARS {
        return Err(format!("must be at most {} characters", Name::MAX_CHARS));
    }
    let first = Name::parse(first)?;
    let last = if rest.is_empty() {
        None
    } else {
        Some(Name::parse(&rest.join(" "))?)
    };
    Ok((first, last))
}

fn free_text(raw: String) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > TEXT_MAX {
        return Err(format!("must be at most {TEXT_MAX} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(Some(trimmed.to_owned()))
}

fn subscriptions(raw: Vec<String>) -> Result<Vec<String>, String> {
    if raw.len() > SUBSCRIPTIONS_MAX {
        return Err(format!("must list at most {SUBSCRIPTIONS_MAX} subscriptions"));
    }
    let mut out: Vec<String> = Vec::new();
    for item in raw {
        let item = item.trim().to_owned();
        let ok = (1..=64).contains(&item.len())
            && item
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
        if !ok {
            return Err("each subscription must be 1-64 letters, digits, or _ - . :".into());
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

fn text_field(
    errors: &mut FieldErrors,
    field: &str,
    patch: Patch<Option<String>>,
    target: &mut Option<String>,
) {
    match patch.try_map(free_text) {
        Ok(Patch::Set(value)) => *target = value.flatten(),
        Ok(Patch::Keep) => {}
        Err(message) => errors.add(field, message),
    }
}

fn phone_field(
    errors: &mut FieldErrors,
    field: &str,
    patch: Patch<Option<String>>,
    target: &mut Option<Phone>,
) {
    let patch = patch.map(|v| v.filter(|s| !s.trim().is_empty()));
    match patch.try_map(|v| Phone::parse(&v)) {
        Ok(p) => p.apply_to(target),
        Err(message) => errors.add(field, message),
    }
}

impl CustomerEdit {
    /// The profile after the edit, or every reason it is refused (nothing applied then).
    pub fn apply(self, profile: &Profile) -> Result<Profile, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut next = profile.clone();
        match self.name {
            Patch::Keep => {}
            Patch::Set(None) => {
                next.first_name = None;
                next.middle_name = None;
                next.last_name = None;
            }
            Patch::Set(Some(raw)) => {
                let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
                if Some(collapsed) != full_name(profile) {
                    match split_name(&raw) {
                        Ok((first, last)) => {
                            next.first_name = Some(first);
                            next.middle_name = None;
                            next.last_name = last;
                        }
                        Err(message) => errors.add("name", message),
                    }
                }
            }
        }
        phone_field(&mut errors, "phone", self.phone, &mut next.phone);
        phone_field(&mut errors, "mobile", self.mobile, &mut next.mobile);
        text_field(&mut errors, "address", self.address, &mut next.address.line);
        text_field(
            &mut errors,
            "address_town",
            self.address_town,
            &mut next.address.town,
        );
        text_field(
            &mut errors,
            "address_postcode",
            self.address_postcode,
            &mut next.address.postcode,
        );
        text_field(
            &mut errors,
            "address_region",
            self.address_region,
            &mut next.address.region,
        );
        text_field(&mut errors, "country", self.country, &mut next.address.country);
        match self.subscriptions.map(subscriptions) {
            Patch::Keep => {}
            Patch::Set(Ok(list)) => next.subscriptions = list,
            Patch::Set(Err(message)) => errors.add("subscriptions", message),
        }
        errors.into_result(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &str) -> Patch<Option<String>> {
        Patch::Set(Some(v.into()))
    }

    #[test]
    fn names_round_trip_and_keep_structure_when_unchanged() {
        let profile = Profile {
            first_name: Some(Name::parse("James").unwrap()),
            middle_name: Some(Name::parse("William").unwrap()),
            last_name: Some(Name::parse("Parker").unwrap()),
            ..Profile::default()
        };
        assert_eq!(full_name(&profile).unwrap(), "James William Parker");
        let same = CustomerEdit {
            name: set("James  William Parker"),
            ..Default::default()
        };
        assert_eq!(
            same.apply(&profile).unwrap(),
            profile,
            "writing back what was read changes nothing"
        );
        let other = CustomerEdit {
            name: set("Mary Ann Smith"),
            ..Default::default()
        };
        let next = other.apply(&profile).unwrap();
        assert_eq!(full_name(&next).unwrap(), "Mary Ann Smith");
        assert_eq!(next.middle_name, None);
    }

    #[test]
    fn fields_validate_and_empty_text_clears() {
        let mut profile = Profile::default();
        profile.address.town = Some("Old".into());
        let edit = CustomerEdit {
            phone: set("+1 415 555 0123"),
            address_town: set(""),
            subscriptions: Patch::Set(vec!["news".into(), "news".into(), "offers".into()]),
            ..Default::default()
        };
        let next = edit.apply(&profile).unwrap();
        assert_eq!(next.phone.unwrap().as_str(), "+14155550123");
        assert_eq!(next.address.town, None);
        assert_eq!(next.subscriptions, ["news", "offers"]);
        let bad = CustomerEdit {
            name: set("   "),
            mobile: set("12"),
            country: set(&"x".repeat(201)),
            subscriptions: Patch::Set(vec!["has space".into()]),
            ..Default::default()
        };
        let errors = bad.apply(&profile).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(fields, ["country", "mobile", "name", "subscriptions"]);
    }
}
