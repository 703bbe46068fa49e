use std::fmt;

use validator::ValidateEmail;

/// An email address as the customer typed it (trimmed), plus the lower-cased form that sign-in
/// and uniqueness compare, so `Ann@Example.com` and `ann@example.com` are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    normalized: String,
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let address = raw.trim();
        if address.is_empty() {
            return Err("must not be empty".into());
        }
        if address.len() > Self::MAX_LEN || !address.validate_email() {
            return Err("must be a valid email address".into());
        }
        // `.invalid` never delivers (RFC 2606); erased accounts hold placeholders there.
        let domain = address
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if domain == "invalid" || domain.trim_end_matches('.').ends_with(".invalid") {
            return Err("must be a deliverable email address".into());
        }
        Ok(Email {
            address: address.to_owned(),
            normalized: address.to_lowercase(),
        })
    }

    /// Rebuilds an address read back from storage, where it was validated on the way in.
    pub fn from_stored(address: String) -> Self {
        let normalized = address.to_lowercase();
        Email { address, normalized }
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_for_matching_only() {
        let email = Email::parse(" Ann@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ann@Example.COM");
        assert_eq!(email.normalized(), "ann@example.com");
    }

    #[test]
    fn rejects_invalid() {
        for bad in ["", "ann", "ann@", "@example.com", "a b@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn the_reserved_invalid_domain_is_refused_so_no_one_takes_an_erased_placeholder() {
        let placeholder =
            crate::account::erased_placeholder(crate::account::AccountUuid(uuid::Uuid::from_u128(7)));
        for bad in [
            placeholder.as_str(),
            "ann@ERASED.INVALID",
            "ann@invalid",
            "ann@shop.invalid",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err(),
                "must be a deliverable email address",
                "{bad}"
            );
        }
        assert!(Email::parse("ann@invalid.example.com").is_ok());
    }
}
