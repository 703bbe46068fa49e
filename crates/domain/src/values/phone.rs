use std::fmt;
use std::str::FromStr;

use phonenumber::country;

/// A region (ISO 3166 alpha-2, such as `IN`) in which national phone numbers are read and
/// shown: the deployment's `CLIENTELE_DEFAULT_PHONE_REGION`, or a tenant's `phoneRegion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneRegion(country::Id);

impl PhoneRegion {
    pub fn parse(raw: &str) -> Option<Self> {
        country::Id::from_str(&raw.trim().to_ascii_uppercase())
            .ok()
            .map(PhoneRegion)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    /// Every region the numbering plans know, in alphabetical order (for a document that lists
    /// the values a `phoneRegion` may take).
    pub fn known() -> Vec<PhoneRegion> {
        let letters = b'A'..=b'Z';
        letters
            .clone()
            .flat_map(|first| letters.clone().map(move |second| [first, second]))
            .filter_map(|code| std::str::from_utf8(&code).ok().and_then(PhoneRegion::parse))
            .collect()
    }
}

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

    /// Reads a number as a customer of `region` types it: international form (`+…`) as
    /// [`Phone::parse`] does; a national number (`9876543210`) must be a valid number of
    /// `region` (libphonenumber's rules) and is stored in E.164. Without a region only the
    /// international form is understood.
    pub fn parse_in(raw: &str, region: Option<PhoneRegion>) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.starts_with('+') {
            let syntactic = Self::parse(trimmed)?;
            // A number valid by its country's plan is stored in its one E.164 form (`+91 0 98765
            // 43210` is `+919876543210`); any other syntactically valid one as written.
            return Ok(phonenumber::parse(None, syntactic.as_str())
                .ok()
                .filter(phonenumber::is_valid)
                .and_then(|n| Self::parse(&n.format().mode(phonenumber::Mode::E164).to_string()).ok())
                .unwrap_or(syntactic));
        }
        let Some(region) = region else {
            return Self::parse(trimmed);
        };
        let invalid = || {
            format!(
                "must be a valid {} phone number such as {}, or an international number (+…)",
                region.as_str(),
                example_in(region)
            )
        };
        // Only what people type: digits and the separators Phone::parse removes.
        let typed = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
        if trimmed.is_empty() || !typed {
            return Err(invalid());
        }
        let number = phonenumber::parse(Some(region.0), trimmed).map_err(|_| invalid())?;
        if !phonenumber::is_valid(&number) {
            return Err(invalid());
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        Self::parse(&e164).map_err(|_| invalid())
    }

    /// The number as a customer of `region` reads it: the national number (`9876543210`) when
    /// it belongs to `region`, the E.164 form otherwise.
    pub fn shown_in(&self, region: Option<PhoneRegion>) -> String {
        let national = region.and_then(|region| {
            let number = phonenumber::parse(None, &self.0).ok()?;
            (number.country().id() == Some(region.0)).then(|| {
                let n = number.national();
                format!("{}{}", "0".repeat(n.zeros().into()), n.value())
            })
        });
        national.unwrap_or_else(|| self.0.clone())
    }

    /// Rebuilds a value read back from storage, where it was validated on the way in.
    pub fn from_stored(value: String) -> Self {
        Phone(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An example national number of `region`, for error messages.
fn example_in(region: PhoneRegion) -> String {
    match region.as_str() {
        "IN" => "9876543210".into(),
        "US" | "CA" => "4155550123".into(),
        "GB" => "7400123456".into(),
        _ => "its national number".into(),
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
    fn the_known_regions_are_the_numbering_plans_regions() {
        let known: Vec<String> = PhoneRegion::known()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect();
        assert!(known.len() > 200, "{}", known.len());
        assert!(known.contains(&"IN".to_owned()) && known.contains(&"US".to_owned()));
        assert!(!known.contains(&"ZZ".to_owned()) && !known.contains(&"EU".to_owned()));
    }

    #[test]
    fn normalises_typed_numbers() {
        assert_eq!(
            Phone::parse("+1 (415) 555-0123").unwrap().as_str(),
            "+14155550123"
        );
        assert_eq!(Phone::parse("+12345678").unwrap().as_str(), "+12345678");
    }

    #[test]
    fn national_numbers_are_read_in_the_region_and_shown_back() {
        let india = PhoneRegion::parse("in");
        let phone = Phone::parse_in("9876543210", india).unwrap();
        assert_eq!(phone.as_str(), "+919876543210");
        assert_eq!(phone.shown_in(india), "9876543210");
        assert_eq!(Phone::parse_in("98765 43210", india).unwrap(), phone);
        assert_eq!(Phone::parse_in("+91 98765 43210", india).unwrap(), phone);
        // Another region's number keeps its international form.
        let us = Phone::parse_in("+14155550123", india).unwrap();
        assert_eq!(us.shown_in(india), "+14155550123");
        assert_eq!(phone.shown_in(None), "+919876543210");
        // A valid international number has one stored form, however it was typed.
        assert_eq!(Phone::parse_in("+91 98765-43210", None).unwrap(), phone);
        assert_eq!(
            Phone::parse_in("+44 (0)7400 123456", None).unwrap().as_str(),
            "+447400123456"
        );
        // International form stays syntactic: another seed's example is accepted.
        assert_eq!(
            Phone::parse_in("+1234567890", india).unwrap().as_str(),
            "+1234567890"
        );
    }

    #[test]
    fn national_numbers_must_be_valid_in_the_region() {
        let india = PhoneRegion::parse("IN");
        for bad in ["12345", "0000000000", "98765432101234", "98765abc10", ""] {
            let error = Phone::parse_in(bad, india).unwrap_err();
            assert!(error.contains("IN"), "{bad}: {error}");
        }
        assert!(
            Phone::parse_in("9876543210", None).is_err(),
            "no region: international only"
        );
        assert!(PhoneRegion::parse("XX").is_none());
        assert!(PhoneRegion::parse("").is_none());
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
