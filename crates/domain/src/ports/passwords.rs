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

/// The parameters of Firebase's modified scrypt, from the project's console (Authentication →
/// Users → Password hash parameters): the same for every customer of a project, so given once
/// per import. Keys are base64 as Firebase shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct FirebaseScrypt {
    pub signer_key: String,
    pub salt_separator: String,
    pub rounds: u32,
    pub mem_cost: u32,
}

impl std::fmt::Debug for FirebaseScrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirebaseScrypt")
            .field("rounds", &self.rounds)
            .field("mem_cost", &self.mem_cost)
            .finish_non_exhaustive()
    }
}

/// Slow, salted password hashing. Implementations do the work off the async workers.
///
/// Errors: see [`HashError`]; a wrong password is `Ok(false)`, not an error.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;
    /// Verifies against a hash of this hasher's own or an imported one (whatever its scheme,
    /// answering no sooner than any scheme's checks do: the time taken tells nothing of where
    /// an account came from).
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError>;

    /// An earlier system's `hash` (with its `salt`, for schemes that keep it apart) as this
    /// hasher stores it, marked imported ([`PasswordHash::imported`]); refused with the reason
    /// when its format is not one this hasher verifies or its cost is beyond what it will spend.
    /// Cheap: nothing is hashed.
    fn adopt<'a>(
        &self,
        hash: &str,
        salt: Option<&'a str>,
        firebase: Option<&'a FirebaseScrypt>,
    ) -> Result<PasswordHash, String>;
}
