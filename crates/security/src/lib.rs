//! Adapters for the domain's security ports.

mod bcrypt_hasher;
mod digest;
mod jwt;
mod system;

pub use bcrypt_hasher::BcryptHasher;
pub use digest::{constant_time_eq, sha256_hex};
pub use jwt::JwtAccessTokens;
pub use system::{OsRandomness, SystemClock};
