use time::OffsetDateTime;

use crate::account::AccountUuid;
use crate::session::SessionId;
use crate::tenant::TenantId;
use crate::values::Password;

/// What an access token asserts. The session it names decides whether it still counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub session: SessionId,
    pub account: AccountUuid,
    pub tenant: TenantId,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of ours: malformed, wrong signature or algorithm, wrong issuer, expired.
    #[error("invalid token")]
    Invalid,
    /// Signing failed (a misconfigured key); not the caller's fault.
    #[error("token signing failed")]
    Signing,
}

/// Signs and checks access tokens. Pure computation, so not async.
///
/// Errors: see [`TokenError`].
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait AccessTokens: Send + Sync {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError>;
    fn verify(&self, token: &str) -> Result<AccessClaims, TokenError>;
}

/// The Customer area's answer to a completed password reset (seed 001): a token signed with the
/// mailed code as its key, carrying the new passphrase, so that only who holds the code reads it.
///
/// Errors: `Signing` only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait PassphraseTokens: Send + Sync {
    fn passphrase_token(&self, passphrase: &Password, code: &str) -> Result<String, TokenError>;
}
