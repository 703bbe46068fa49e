/// Keyed one-way digests of short secrets (codes, keys): a stolen database does not give them
/// away, even by brute force, without the key. Infallible.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait SecretDigester: Send + Sync {
    fn digest(&self, secret: &str) -> String;
    /// Compares in constant time.
    fn matches(&self, secret: &str, digest: &str) -> bool;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sealed data cannot be opened")]
pub struct SealError;

/// Authenticated encryption of message bodies at rest in the outbox.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Sealer: Send + Sync {
    fn seal(&self, plaintext: &str) -> String;
    fn open(&self, sealed: &str) -> Result<String, SealError>;
}
