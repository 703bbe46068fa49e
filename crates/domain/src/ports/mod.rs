//! What the use cases need from the outside world. Each trait says what its errors mean;
//! adapters map their failures onto exactly those variants.

mod accounts;
mod clock;
mod instance_secrets;
mod passwords;
mod random;
mod sessions;
mod store_error;
mod tokens;

pub use accounts::AccountRepository;
pub use clock::Clock;
pub use instance_secrets::InstanceSecrets;
pub use passwords::{HashError, PasswordHasher};
pub use random::Randomness;
pub use sessions::SessionRepository;
pub use store_error::{StoreError, UniqueKey};
pub use tokens::{AccessClaims, AccessTokens, TokenError};

#[cfg(any(test, feature = "mock"))]
pub use accounts::MockAccountRepository;
#[cfg(any(test, feature = "mock"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mock"))]
pub use instance_secrets::MockInstanceSecrets;
#[cfg(any(test, feature = "mock"))]
pub use passwords::MockPasswordHasher;
#[cfg(any(test, feature = "mock"))]
pub use random::MockRandomness;
#[cfg(any(test, feature = "mock"))]
pub use sessions::MockSessionRepository;
#[cfg(any(test, feature = "mock"))]
pub use tokens::MockAccessTokens;
