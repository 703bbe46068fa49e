//! The TSS profile edit's fields as seed 003 has them, mapped onto the domain's personal details:
//! its field names, its genders, and its marker for "leave the birthdate as it is".

use clientele_domain::services::{Authenticated, DetailsEdit, PersonalDetails};
use clientele_domain::FieldErrors;
use serde_json::{Map, Value};

use crate::fields::{optional_text, reject_other_keys, required_text};
use crate::problem::Problem;

/// What `gender` may be.
pub const GENDERS: [&str; 4] = ["male", "female", "other", "undisclosed"];
/// What `birthdate` says to leave the date as it is.
pub const NO_BIRTHDATE: &str = "0000-00-00";

/// The seed's name of a domain field of the personal details.
pub fn tss_names(field: &str) -> Option<&'static str> {
    match field {
        "first_name" => Some("firstname"),
        "last_name" => Some("lastname"),
        "birthday" => Some("birthdate"),
        "phone" => Some("telephone"),
        _ => None,
    }
}

/// `YYYY-MM-DD` (the seed's only form), or `None` for the "leave it" marker.
fn birthdate(raw: &str) -> Result<Option<String>, String> {
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
    Ok(Some(raw.to_owned()))
}

/// The profile fields of a POST body (`also`: the other keys this route takes); what the seed's
/// form alone rules out (unknown keys, a missing field, a gender not in [`GENDERS`], a birthdate
/// not in its form) goes into `errors`.
pub(super) fn edit_of(body: &Map<String, Value>, also: &[&str], errors: &mut FieldErrors) -> DetailsEdit {
    let mut fields = vec![
        "firstname",
        "lastname",
        "gender",
        "birthdate",
        "telephone",
        "email",
    ];
    fields.extend_from_slice(also);
    reject_other_keys(body, &fields, &[], "", errors);
    // Only a text is checked against the set: a missing or mistyped one is named once, above.
    let is_text = |key: &str| body.get(key).is_some_and(Value::is_string);
    let gender = required_text(body, "gender", errors);
    if is_text("gender") && !GENDERS.contains(&gender.trim().to_ascii_lowercase().as_str()) {
        errors.add("gender", format!("must be one of {}", GENDERS.join(", ")));
    }
    let birthday = match birthdate(&required_text(body, "birthdate", errors)) {
        Ok(birthday) => birthday,
        Err(message) => {
            if is_text("birthdate") {
                errors.add("birthdate", message);
            }
            None
        }
    };
    DetailsEdit {
        first_name: required_text(body, "firstname", errors),
        last_name: required_text(body, "lastname", errors),
        gender,
        birthday,
        phone: required_text(body, "telephone", errors),
        email: optional_text(body, "email", errors),
    }
}

/// A 400 naming every field that is wrong: what the form ruled out, and what the domain finds
/// wrong with the other fields. `Ok(())` when nothing is.
pub(super) async fn refuse_if_invalid(
    details: &PersonalDetails,
    who: &Authenticated,
    edit: &DetailsEdit,
    mut errors: FieldErrors,
) -> Result<(), Problem> {
    if errors.is_empty() {
        return Ok(());
    }
    let found = details
        .problems(who, edit)
        .await
        .map_err(|e| crate::domain_errors::problem_for(e, tss_names))?
        .renamed(tss_names);
    for (field, messages) in found.iter() {
        if !errors.iter().any(|(named, _)| named == field) {
            for message in messages {
                errors.add(field.clone(), message.clone());
            }
        }
    }
    Err(Problem::invalid(errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdates_are_iso_dates_or_the_leave_marker() {
        assert_eq!(birthdate("0000-00-00"), Ok(None));
        assert_eq!(birthdate(" 1990-05-15 "), Ok(Some("1990-05-15".into())));
        for bad in ["1990-5-15", "15/05/1990", "1990-05-15T00:00:00Z", ""] {
            assert!(birthdate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_form_rules_out_other_genders_and_keeps_the_seed_s_names() {
        let body: Map<String, Value> = serde_json::from_str(
            r#"{"firstname": "Ann", "lastname": "Lee", "gender": "Robot", "birthdate": "1990-5-1",
                "telephone": "9812345678", "colour": "red"}"#,
        )
        .unwrap();
        let mut errors = FieldErrors::new();
        let edit = edit_of(&body, &[], &mut errors);
        let mut named: Vec<&str> = errors.iter().map(|(field, _)| field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(named, ["birthdate", "colour", "gender"]);
        assert_eq!(
            (edit.first_name.as_str(), edit.phone.as_str()),
            ("Ann", "9812345678")
        );
        assert_eq!(tss_names("phone"), Some("telephone"));
    }
}
