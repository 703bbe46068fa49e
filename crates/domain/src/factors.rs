//! Strong second factors an account holds besides its password: authenticator apps (TOTP),
//! passkeys and security keys (WebAuthn) and, with them, single-use recovery codes. Texted codes stay the TSS two-factor switch
//! (`Account::two_factor`); they are listed beside these but kept as they always were.
//!
//! Factors live with the account (one version, one row): adding, removing and using one is a
//! version-checked account write, so two uses of one code race like any two edits, and only one
//! wins.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FactorId(pub Uuid);

impl fmt::Display for FactorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactorKind {
    Totp,
    Webauthn,
    /// The TSS texted code (`Account::two_factor`): listed, not stored here.
    Sms,
}

impl FactorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorKind::Totp => "totp",
            FactorKind::Webauthn => "webauthn",
            FactorKind::Sms => "sms",
        }
    }
}

/// What a factor proves possession of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactorSecret {
    /// An authenticator app's shared secret, sealed with the instance's keys (a copy of the
    /// database cannot generate codes), and the last time step a code was accepted for: no
    /// code of that step or an earlier one works again.
    Totp { sealed: String, last_step: Option<u64> },
    /// A passkey or security key: its credential id (base64url) and its public key and sign
    /// counter as the WebAuthn adapter keeps them (nothing secret: a public key).
    Webauthn { credential_id: String, passkey: String },
}

impl FactorSecret {
    pub fn kind(&self) -> FactorKind {
        match self {
            FactorSecret::Totp { .. } => FactorKind::Totp,
            FactorSecret::Webauthn { .. } => FactorKind::Webauthn,
        }
    }
}

/// A confirmed strong factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub id: FactorId,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub last_used_at: Option<OffsetDateTime>,
    pub secret: FactorSecret,
}

/// The account's strong factors and the keyed digests of its unused recovery codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factors {
    #[serde(default)]
    pub list: Vec<Factor>,
    #[serde(default)]
    pub recovery_codes: Vec<String>,
}

impl Factors {
    /// Whether signing in asks for a strong factor (or a recovery code).
    pub fn any(&self) -> bool {
        !self.list.is_empty()
    }

    pub fn find(&self, id: FactorId) -> Option<&Factor> {
        self.list.iter().find(|f| f.id == id)
    }

    /// The factors of `kind`.
    pub fn of(&self, kind: FactorKind) -> impl Iterator<Item = &Factor> {
        self.list.iter().filter(move |f| f.secret.kind() == kind)
    }

    /// The passkeys, as the WebAuthn adapter reads them.
    pub fn passkeys(&self) -> Vec<crate::ports::StoredPasskey> {
        self.list
            .iter()
            .filter_map(|f| match &f.secret {
                FactorSecret::Webauthn {
                    credential_id,
                    passkey,
                } => Some(crate::ports::StoredPasskey {
                    credential_id: credential_id.clone(),
                    passkey: passkey.clone(),
                }),
                FactorSecret::Totp { .. } => None,
            })
            .collect()
    }
}

/// How many recovery codes a set holds.
pub const RECOVERY_CODES: usize = 10;

/// Recovery codes are 12 characters of a 32-letter alphabet (60 bits), shown in groups of four:
/// no `0/O`, `1/l/I` to misread.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
pub const RECOVERY_LEN: usize = 12;

/// A recovery code as shown: `abcd-efgh-jkmn`.
pub fn shown_recovery_code(raw: &str) -> String {
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed, made comparable: case, dashes and spaces do not count.
pub fn typed_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The longest name a factor is given.
pub const NAME_MAX: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_carry_at_least_fifty_bits_and_read_back_however_typed() {
        let bits = (RECOVERY_ALPHABET.len() as f64).log2() * RECOVERY_LEN as f64;
        assert!(bits >= 50.0, "{bits}");
        assert_eq!(shown_recovery_code("abcdefghjkmn"), "abcd-efgh-jkmn");
        assert_eq!(typed_recovery_code(" ABCD-efgh jkmn "), "abcdefghjkmn");
    }

    #[test]
    fn factors_round_trip_as_stored() {
        let factors = Factors {
            list: vec![Factor {
                id: FactorId(Uuid::from_u128(7)),
                name: "Phone".into(),
                created_at: time::macros::datetime!(2026-12-07 10:00 UTC),
                last_used_at: None,
                secret: FactorSecret::Totp {
                    sealed: "s".into(),
                    last_step: Some(3),
                },
            }],
            recovery_codes: vec!["d1".into()],
        };
        let stored = serde_json::to_string(&factors).unwrap();
        assert_eq!(serde_json::from_str::<Factors>(&stored).unwrap(), factors);
        assert_eq!(serde_json::from_str::<Factors>("{}").unwrap(), Factors::default());
    }
}
