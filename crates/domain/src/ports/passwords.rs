use async_trait::async_trait;

use crate::values::{Password, PasswordHash};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The stored hash is not one this hasher can read (corrupt or foreign format).
    #[error("unreadable password hash")]
    Malformed,
    /// The hashing work could not be run (its threads are gone: shutting down).
    #[error("password hashing unavailable")]
    Unavailable,
    /// Every hashing thread is busy and the queue is full: try again in a moment.
    #[error("password hashing is at capacity")]
    Busy,
}

/// Slow, salted password hashing. Implementations do the work off the async workers.
///
/// Errors: see [`HashError`]; a wrong password is `Ok(false)`, not an error.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError>;
}
