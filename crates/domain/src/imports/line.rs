/// The fields a line may hold, by the names files use (JSON keys, CSV headers).
pub const FIELDS: &[&str] = &[
    "email",
    "passwordHash",
    "passwordSalt",
    "emailVerified",
    "firstName",
    "lastName",
    "nickname",
    "phone",
    "birthday",
    "locale",
    "createdAt",
    "externalId",
    "uuid",
];

/// The field that would carry a password in clear: never imported (nothing is hashed on the
/// fly; a file holding one is refused).
pub const PLAINTEXT_FIELD: &str = "password";

/// One customer as an import file gives it: raw text per field (blank = absent), checked when
/// the run takes the line.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ImportLine {
    /// The line's number in the file, from 1 (the header of a CSV file is line 1).
    pub number: u64,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub password_salt: Option<String>,
    pub email_verified: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub nickname: Option<String>,
    pub phone: Option<String>,
    pub birthday: Option<String>,
    pub locale: Option<String>,
    pub created_at: Option<String>,
    pub external_id: Option<String>,
    pub uuid: Option<String>,
    /// Why the line could not even be read (not JSON, say): it is refused with this reason.
    pub unreadable: Option<String>,
}

impl std::fmt::Debug for ImportLine {
    // The hash is a secret: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportLine")
            .field("number", &self.number)
            .field("email", &self.email)
            .field("external_id", &self.external_id)
            .finish_non_exhaustive()
    }
}

impl ImportLine {
    /// The line numbered `number` from its `(field, value)` pairs. Unknown fields are ignored
    /// (see [`unknown_fields`]); a plaintext password makes the line unreadable.
    pub fn from_fields<'a>(number: u64, fields: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        let mut line = ImportLine {
            number,
            ..ImportLine::default()
        };
        for (name, value) in fields {
            let value = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            let slot = match name {
                "email" => &mut line.email,
                "passwordHash" => &mut line.password_hash,
                "passwordSalt" => &mut line.password_salt,
                "emailVerified" => &mut line.email_verified,
                "firstName" => &mut line.first_name,
                "lastName" => &mut line.last_name,
                "nickname" => &mut line.nickname,
                "phone" => &mut line.phone,
                "birthday" => &mut line.birthday,
                "locale" => &mut line.locale,
                "createdAt" => &mut line.created_at,
                "externalId" => &mut line.external_id,
                "uuid" => &mut line.uuid,
                PLAINTEXT_FIELD if value.is_some() => {
                    line.unreadable = Some(plaintext_refusal());
                    continue;
                }
                _ => continue,
            };
            *slot = value;
        }
        line
    }

    /// A line that could not be read, refused with `reason`.
    pub fn unreadable(number: u64, reason: impl Into<String>) -> Self {
        ImportLine {
            number,
            unreadable: Some(reason.into()),
            ..ImportLine::default()
        }
    }
}

/// Why a file or line with a password in clear is refused.
pub fn plaintext_refusal() -> String {
    format!(
        "a \"{PLAINTEXT_FIELD}\" field holds a password in clear: import the earlier system's hash as \"passwordHash\""
    )
}

/// The names among `names` that no line field has (and that are not the refused plaintext
/// field), for a warning.
pub fn unknown_fields<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    names
        .into_iter()
        .filter(|n| !FIELDS.contains(n) && *n != PLAINTEXT_FIELD)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_name_and_blanks_are_absent() {
        let line = ImportLine::from_fields(
            3,
            [
                ("email", " Ann@Example.com ".to_owned()),
                ("firstName", "".to_owned()),
                ("shoeSize", "44".to_owned()),
            ],
        );
        assert_eq!(line.number, 3);
        assert_eq!(line.email.as_deref(), Some("Ann@Example.com"));
        assert_eq!(line.first_name, None);
        assert_eq!(line.unreadable, None);
        assert_eq!(
            unknown_fields(["email", "shoeSize", "password"]),
            vec!["shoeSize"]
        );
    }

    #[test]
    fn a_password_in_clear_makes_the_line_unreadable() {
        let line = ImportLine::from_fields(
            1,
            [("email", "a@b.c".to_owned()), ("password", "hunter22".to_owned())],
        );
        assert!(line.unreadable.as_deref().unwrap().contains("in clear"));
        assert!(!format!("{line:?}").contains("hunter22"));
    }
}
