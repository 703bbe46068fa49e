use std::fmt;

/// A locale such as `en`, `en_US` or `en-US`: a 2-3 letter language, optionally a separator
/// and a 2-letter or 3-digit region. Stored canonically cased, with the separator as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || "must be a locale such as en_US or en-US".to_owned();
        let raw = raw.trim();
        let (language, rest) = match raw.find(['_', '-']) {
            Some(at) => (&raw[..at], Some((&raw[at..at + 1], &raw[at + 1..]))),
            None => (raw, None),
        };
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid());
        }
        let mut canonical = language.to_ascii_lowercase();
        if let Some((separator, region)) = rest {
            let letters = region.len() == 2 && region.bytes().all(|b| b.is_ascii_alphabetic());
            let digits = region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit());
            if !letters && !digits {
                return Err(invalid());
            }
            canonical.push_str(separator);
            canonical.push_str(&region.to_ascii_uppercase());
        }
        Ok(Locale(canonical))
    }

    /// Rebuilds a value read back from storage, where it was validated on the way in.
    pub fn from_stored(value: String) -> Self {
        Locale(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language part, e.g. `en` for `en_US`.
    pub fn language(&self) -> &str {
        self.0.split(['_', '-']).next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_forms() {
        assert_eq!(Locale::parse("en_US").unwrap().as_str(), "en_US");
        assert_eq!(Locale::parse("en-us").unwrap().as_str(), "en-US");
        assert_eq!(Locale::parse("de").unwrap().as_str(), "de");
        assert_eq!(Locale::parse("es-419").unwrap().as_str(), "es-419");
        assert_eq!(Locale::parse("pt_BR").unwrap().language(), "pt");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "", "e", "english", "en_", "en_USA", "en US", "12_US", "en_U1", "en__US",
        ] {
            assert!(Locale::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
