use uuid::Uuid;

/// Randomness from a cryptographically secure source, as a port so tests can fix it. Infallible.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Randomness: Send + Sync {
    fn uuid(&self) -> Uuid;
    /// Uniform in `min..=max`.
    fn int_in(&self, min: i64, max: i64) -> i64;
    /// `len` characters drawn uniformly from `alphabet`.
    fn string_from(&self, alphabet: &'static [u8], len: usize) -> String;
}
