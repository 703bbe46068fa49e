use std::fmt;

/// A password in clear, only ever held in memory. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    /// A chosen password's most characters: what a form can state (at four bytes a character,
    /// within `MAX_BYTES`).
    pub const MAX_CHARS: usize = 256;
    /// Far beyond any passphrase, small enough that hashing input stays bounded.
    pub const MAX_BYTES: usize = 1024;

    /// Any non-empty input up to `MAX_BYTES`: what sign-in accepts to compare.
    pub fn candidate(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes", Self::MAX_BYTES));
        }
        Ok(Password(raw.to_owned()))
    }

    /// A password chosen now: at least `MIN_CHARS` characters, no control characters, not one
    /// of the most common passwords, at most `MAX_CHARS` characters.
    pub fn new_secret(raw: &str) -> Result<Self, String> {
        let password = Self::candidate(raw)?;
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if raw.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        let lowered = raw.to_lowercase();
        if super::common_passwords::COMMON.contains(&lowered.as_str()) {
            return Err("is too common; choose a less guessable password".into());
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A stored password hash (bcrypt's modular crypt format). Never a password.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// What marks a stored hash as an earlier system's, kept in its own scheme until its customer
/// next signs in (see [`PasswordHash::is_imported`]).
pub const IMPORTED_HASH_PREFIX: &str = "import:";

impl PasswordHash {
    pub fn from_stored(hash: String) -> Self {
        PasswordHash(hash)
    }

    /// An earlier system's hash, in the form (`scheme_form`) the hasher that adopted it reads.
    pub fn imported(scheme_form: &str) -> Self {
        PasswordHash(format!("{IMPORTED_HASH_PREFIX}{scheme_form}"))
    }

    /// Whether this hash came from an import and was never replaced: the first sign-in with it
    /// replaces it with a hash of Clientele's own scheme, and an import run with `--update` may
    /// still replace it (a hash of the customer's own choosing it never touches).
    pub fn is_imported(&self) -> bool {
        self.0.starts_with(IMPORTED_HASH_PREFIX)
    }

    /// The earlier system's form of an imported hash.
    pub fn imported_form(&self) -> Option<&str> {
        self.0.strip_prefix(IMPORTED_HASH_PREFIX)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let p = Password::candidate("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
        let h = PasswordHash::from_stored("$2b$04$abcdef".into());
        assert!(!format!("{h:?}").contains("abcdef"));
    }

    #[test]
    fn new_secret_policy() {
        assert!(Password::new_secret("short").is_err());
        assert!(Password::new_secret("long enough").is_ok());
        assert!(Password::new_secret(&"p".repeat(1025)).is_err());
        assert!(Password::new_secret("tab\tinside!").is_err());
        assert!(Password::candidate("").is_err());
        assert!(
            Password::new_secret("Password1").is_err(),
            "common, whatever the case"
        );
        assert!(
            Password::new_secret(&"é".repeat(64)).is_ok(),
            "64 characters are accepted"
        );
    }
}
