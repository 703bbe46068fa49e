use std::fmt;
use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::account::AccountUuid;
use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub Uuid);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How often a session's `last_seen_at` is written at most: a request within this of the last
/// write changes nothing stored (the hot read path stays in memory).
pub const LAST_SEEN_GRANULARITY: Duration = Duration::minutes(1);

/// A signed-in device. Every access token names one, so tokens can be revoked and counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: SessionId,
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    /// Where the sign-in came from, as a trusted proxy reported it (a country code), if known.
    pub country: Option<String>,
    /// The browser and system the sign-in came from ("Firefox on Windows 10"), if known.
    pub device: Option<String>,
    /// The client's address at sign-in, masked (see [`masked_address`]): never the whole one.
    pub ip: Option<String>,
    pub sign_in_method: SignInMethod,
    /// The last request made with it, to [`LAST_SEEN_GRANULARITY`].
    pub last_seen_at: OffsetDateTime,
}

impl Session {
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }

    /// Whether a request at `now` should write that the session was seen.
    pub fn seen_long_ago(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at >= LAST_SEEN_GRANULARITY
    }
}

/// What the customer proved to open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignInMethod {
    Password,
    PasswordAndSms,
    PasswordAndTotp,
    PasswordAndPasskey,
    PasswordAndRecoveryCode,
    /// A passkey alone (user verification on the authenticator).
    Passkey,
    /// Opened before sessions recorded how.
    Unknown,
}

impl SignInMethod {
    pub const ALL: [SignInMethod; 7] = [
        SignInMethod::Password,
        SignInMethod::PasswordAndSms,
        SignInMethod::PasswordAndTotp,
        SignInMethod::PasswordAndPasskey,
        SignInMethod::PasswordAndRecoveryCode,
        SignInMethod::Passkey,
        SignInMethod::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::PasswordAndSms => "password+sms",
            SignInMethod::PasswordAndTotp => "password+totp",
            SignInMethod::PasswordAndPasskey => "password+webauthn",
            SignInMethod::PasswordAndRecoveryCode => "password+recovery_code",
            SignInMethod::Passkey => "passkey",
            SignInMethod::Unknown => "unknown",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}

/// A client address with its host part masked: the last octet of an IPv4 address, the last 80
/// bits of an IPv6 one, written as the network (`203.0.113.0/24`, `2001:db8:1234::/48`). Enough
/// for a customer to tell "that was me at home" from "that was not me", not enough to find
/// them. `None` for text that is no address.
pub fn masked_address(address: &str) -> Option<String> {
    match address.trim().parse::<IpAddr>().ok()?.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Some(format!("{a}.{b}.{c}.0/24"))
        }
        IpAddr::V6(v6) => {
            let kept = u128::from(v6) & !((1u128 << 80) - 1);
            Some(format!("{}/48", std::net::Ipv6Addr::from(kept)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_to_their_network() {
        assert_eq!(masked_address("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(
            masked_address("2001:db8:1234:5678:9abc::1").as_deref(),
            Some("2001:db8:1234::/48")
        );
        assert_eq!(
            masked_address("::ffff:198.51.100.9").as_deref(),
            Some("198.51.100.0/24")
        );
        assert_eq!(masked_address("not an address"), None);
    }

    #[test]
    fn sign_in_methods_read_back_as_written() {
        for method in SignInMethod::ALL {
            assert_eq!(SignInMethod::parse(method.as_str()), Some(method));
        }
        assert_eq!(SignInMethod::parse("magic"), None);
    }

    #[test]
    fn a_session_is_seen_again_after_a_minute() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let session = Session {
            id: SessionId(Uuid::nil()),
            tenant: TenantId::parse("t").unwrap(),
            account: AccountUuid(Uuid::nil()),
            created_at: at,
            expires_at: at + Duration::hours(1),
            revoked_at: None,
            country: None,
            device: None,
            ip: None,
            sign_in_method: SignInMethod::Password,
            last_seen_at: at,
        };
        assert!(!session.seen_long_ago(at + Duration::seconds(59)));
        assert!(session.seen_long_ago(at + Duration::seconds(60)));
    }
}
