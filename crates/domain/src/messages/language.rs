//! The language a message is written in.

use std::fmt;

/// A language code as templates are kept under: two or three lowercase letters (`en`, `de`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

impl Language {
    pub const RULE: &'static str = "must be a language code of two or three letters, such as en or de";

    pub fn parse(raw: &str) -> Option<Self> {
        let code = raw.trim().to_ascii_lowercase();
        ((2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()))
            .then_some(Language(code))
    }

    /// The language every message has a template in.
    pub fn english() -> Self {
        Language("en".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The languages to try, in order: the customer's, the tenant's default, English.
    pub fn preferences(customer: Option<&str>, tenant_default: Option<&Language>) -> Vec<Language> {
        let mut order = Vec::with_capacity(3);
        for candidate in [
            customer.and_then(Language::parse),
            tenant_default.cloned(),
            Some(Language::english()),
        ]
        .into_iter()
        .flatten()
        {
            if !order.contains(&candidate) {
                order.push(candidate);
            }
        }
        order
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_or_three_letters() {
        assert_eq!(Language::parse(" DE ").unwrap().as_str(), "de");
        assert!(Language::parse("fil").is_some());
        for bad in ["", "d", "de-DE", "d3", "deut"] {
            assert!(Language::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn preferences_go_customer_tenant_english_without_repeats() {
        let fr = Language::parse("fr").unwrap();
        let order = Language::preferences(Some("de"), Some(&fr));
        assert_eq!(
            order.iter().map(Language::as_str).collect::<Vec<_>>(),
            ["de", "fr", "en"]
        );
        let order = Language::preferences(Some("en"), None);
        assert_eq!(order.iter().map(Language::as_str).collect::<Vec<_>>(), ["en"]);
    }
}
