use std::fmt;

/// A phone number in E.164 form: `+`, a country code not starting with 0, 8-15 digits in all.
/// Spaces, dashes, dots and parentheses that people type are removed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        let valid = digits.len() >= 8
            && digits.len() <= 15
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(Phone(compact))
        } else {
            Err("must be an E.164 phone number such as +14155550123".into())
        }
    }

    /// Rebuilds a value read back from storage, where it was validated on the way in.
    pub fn from_stored(value: String) -> Self {
        Phone(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_typed_numbers() {
        assert_eq!(
            Phone::parse("+1 (415) 555-0123").unwrap().as_str(),
            "+14155550123"
        );
        assert_eq!(Phone::parse("+12345678").unwrap().as_str(), "+12345678");
    }

    #[test]
    fn rejects_non_e164() {
        for bad in [
            "",
            "4155550123",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+1415abc0123",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
