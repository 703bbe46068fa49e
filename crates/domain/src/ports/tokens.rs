use time::OffsetDateTime;

use crate::account::AccountUuid;
use crate::session::SessionId;
use crate::tenant::TenantId;

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
