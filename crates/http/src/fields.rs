//! Reading fields of a JSON object with per-field errors, the way every surface needs it.

use clientele_domain::{FieldErrors, Patch};
use heck::ToLowerCamelCase;
use serde_json::{Map, Value};

/// Records `unknown field` for keys not in `allowed` (naming the allowed one a snake_case key
/// stands for: `expires_on` → `expiresOn`), `read-only field` for keys in `read_only`. `prefix`
/// (e.g. `info.`) is put before the reported names.
pub fn reject_other_keys(
    object: &Map<String, Value>,
    allowed: &[&str],
    read_only: &[&str],
    prefix: &str,
    errors: &mut FieldErrors,
) {
    for key in object.keys() {
        if read_only.contains(&key.as_str()) {
            errors.add(format!("{prefix}{key}"), "is read-only and cannot be changed");
        } else if !allowed.contains(&key.as_str()) {
            match allowed.iter().find(|name| **name == key.to_lower_camel_case()) {
                Some(name) => errors.add(
                    format!("{prefix}{key}"),
                    format!("is not a known field; the field is `{name}`"),
                ),
                None => errors.add(format!("{prefix}{key}"), "is not a known field"),
            }
        }
    }
}

/// A text field of an update: absent → `absent`, `null` → clear, a string → set.
pub fn text_patch(
    object: &Map<String, Value>,
    key: &str,
    absent: Patch<Option<String>>,
    name: &str,
    errors: &mut FieldErrors,
) -> Patch<Option<String>> {
    match object.get(key) {
        None => absent,
        Some(Value::Null) => Patch::Set(None),
        Some(Value::String(s)) => Patch::Set(Some(s.clone())),
        Some(_) => {
            errors.add(name, "must be a string or null");
            Patch::Keep
        }
    }
}

/// A required text field.
pub fn required_text(object: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> String {
    match object.get(key) {
        Some(Value::String(s)) => return s.clone(),
        None | Some(Value::Null) => errors.add(key, "is required"),
        Some(_) => errors.add(key, "must be a string"),
    }
    String::new()
}

/// A mailed or texted code, sent as a number (`213690`, or `213690.0`: JSON does not tell
/// them apart) or as text (trimmed); anything else names the field with `hint`.
pub fn code_field(object: &Map<String, Value>, key: &str, hint: &str, errors: &mut FieldErrors) -> String {
    match object.get(key) {
        Some(Value::String(s)) => return s.trim().to_owned(),
        Some(Value::Number(n)) if n.is_u64() => return n.to_string(),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1e10 => return format!("{}", f as u64),
            _ => errors.add(key, hint),
        },
        None | Some(Value::Null) => errors.add(key, "is required"),
        Some(_) => errors.add(key, hint),
    }
    String::new()
}

/// An optional text field: absent and `null` are both "not given".
pub fn optional_text(object: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Option<String> {
    match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.add(key, "must be a string");
            None
        }
    }
}

/// A query parameter naming one of a set (`?status=pending`): absent → `None`; a value `parse`
/// does not know → `message` on `key`.
pub fn query_choice<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    key: &str,
    message: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw?;
    let parsed = parse(raw);
    if parsed.is_none() {
        errors.add(key, message);
    }
    parsed
}

/// Most entries a back-office listing returns at once.
pub const LISTING_MAX: i64 = 500;

/// A listing's `limit`: 1 to [`LISTING_MAX`], 100 when absent.
pub fn listing_limit(limit: Option<i64>, errors: &mut FieldErrors) -> i64 {
    let limit = limit.unwrap_or(100);
    if !(1..=LISTING_MAX).contains(&limit) {
        errors.add("limit", "must be between 1 and 500");
    }
    limit
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_code_is_a_number_or_text() {
        let read = |value: Value| {
            let mut errors = FieldErrors::new();
            let object = json!({"code": value}).as_object().unwrap().clone();
            let code = code_field(&object, "code", "hint", &mut errors);
            (code, errors.is_empty())
        };
        assert_eq!(read(json!(213690)), ("213690".into(), true));
        assert_eq!(read(json!(213690.0)), ("213690".into(), true));
        assert_eq!(read(json!(" 213690 ")), ("213690".into(), true));
        for bad in [json!(2.5), json!(-1), json!(true), json!([1]), Value::Null] {
            assert!(!read(bad.clone()).1, "{bad}");
        }
        let mut errors = FieldErrors::new();
        code_field(&Map::new(), "code", "hint", &mut errors);
        assert!(!errors.is_empty(), "required");
    }
}
