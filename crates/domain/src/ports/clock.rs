use time::OffsetDateTime;

/// The current time, as a port so expiry is testable without sleeping. Infallible.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}
