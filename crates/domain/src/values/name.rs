use std::fmt;

/// A person's name part or a nickname: at most 100 characters as sent (what a form's limit
/// counts), trimmed, not empty, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Name(trimmed.to_owned()))
    }

    /// Rebuilds a value read back from storage, where it was validated on the way in.
    pub fn from_stored(value: String) -> Self {
        Name(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_inner_spaces() {
        assert_eq!(Name::parse("  Mary Ann ").unwrap().as_str(), "Mary Ann");
    }

    #[test]
    fn rejects_empty_long_and_control() {
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(101)).is_err());
        // Counted as sent: spaces around count too (a form's limit counts them).
        assert!(Name::parse(&format!(" {}", "x".repeat(100))).is_err());
        assert!(Name::parse(&"é".repeat(100)).is_ok());
        assert!(Name::parse("Bob\u{0007}").is_err());
        assert!(Name::parse("Bob\nSmith").is_err());
    }
}
