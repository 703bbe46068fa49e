use std::fmt;

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    /// The email address is already used by another account of the tenant.
    Email,
    /// The numeric id is taken (a random collision: pick another and retry).
    PublicId,
    /// The username is taken by another account of the tenant.
    Username,
    /// The referral code is another account's (a random collision: pick another and retry).
    ReferralCode,
    /// The phone number is another account's of the tenant.
    Phone,
    /// The id an earlier system gave the customer is another account's of the tenant.
    ExternalId,
    /// The row's primary key exists already.
    Id,
    /// The account already has an open flow for this purpose (a concurrent request opened
    /// it): reload and decide again.
    OpenFlow,
}

impl fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UniqueKey::Email => "email address",
            UniqueKey::PublicId => "numeric id",
            UniqueKey::Username => "username",
            UniqueKey::ReferralCode => "referral code",
            UniqueKey::Phone => "phone number",
            UniqueKey::ExternalId => "external id",
            UniqueKey::Id => "id",
            UniqueKey::OpenFlow => "open flow",
        })
    }
}

/// The error contract of every storage port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; nothing was written.
    #[error("{0} already in use")]
    Duplicate(UniqueKey),
    /// The account changed (or vanished) since it was read: reload, decide again, retry.
    #[error("modified concurrently")]
    VersionMismatch,
    /// A flow write found the flow moved since it was read (its secret was used, replaced,
    /// cancelled or locked meanwhile): the secret in hand no longer counts.
    #[error("flow changed concurrently")]
    FlowChanged,
    /// A decision on a deletion request found it decided already.
    #[error("deletion request decided already")]
    AlreadyDecided,
    /// A commit replacing the session in hand found it signed out or expired meanwhile;
    /// nothing was written.
    #[error("session ended")]
    SessionEnded,
    /// A commit limiting its sends found a recipient sent as many messages as its window
    /// allows; nothing was written.
    #[error("send limit reached")]
    SendLimited,
    /// The database could not be reached or failed; the write may be retried. The text is for
    /// logs only and carries no personal data.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// What a storage or hashing failure tells the caller of a use case.
mod into_domain_error {
    use super::{StoreError, UniqueKey};
    use crate::error::DomainError;
    use crate::ports::HashError;

    impl From<StoreError> for DomainError {
        fn from(error: StoreError) -> Self {
            match error {
                StoreError::Duplicate(UniqueKey::Email) => {
                    DomainError::Conflict("the email address is already in use".into())
                }
                StoreError::Duplicate(key) => DomainError::Conflict(format!("{key} already in use")),
                StoreError::VersionMismatch => {
                    DomainError::Conflict("the account was changed concurrently; try again".into())
                }
                StoreError::FlowChanged => DomainError::SecretRefused(crate::refusal::Refusal::Invalid),
                StoreError::AlreadyDecided => {
                    DomainError::Conflict("the deletion request was decided already".into())
                }
                // Every limited commit goes through `FlowDeps::commit_limited`, which decides what
                // the caller hears; one that did not must not tell that a recipient is busy.
                StoreError::SendLimited => DomainError::Unavailable("send limit".into()),
                StoreError::SessionEnded => DomainError::Unauthenticated,
                StoreError::Unavailable(reason) => DomainError::Unavailable(reason),
            }
        }
    }

    impl From<HashError> for DomainError {
        fn from(error: HashError) -> Self {
            match error {
                HashError::Busy => DomainError::Overloaded,
                other => DomainError::Unavailable(other.to_string()),
            }
        }
    }
}
