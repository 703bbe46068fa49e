//! Adapters for the domain's security ports.

mod bcrypt_hasher;
mod digest;
mod hashing_pool;
mod imported_hashes;
mod jwt;
mod key_file;
mod keys;
mod passkeys;
mod passphrase_token;
mod sealer;
mod secret_digest;
mod system;
mod totp;
mod verify_timing;

pub use bcrypt_hasher::BcryptHasher;
pub use digest::{constant_time_eq, sha256_hex};
pub use hashing_pool::HashingPool;
pub use jwt::JwtAccessTokens;
pub use keys::{KeyScheme, MasterKey};
pub use passkeys::WebauthnRs;
pub use passphrase_token::CodeSignedPassphrase;
pub use sealer::ChaChaSealer;
pub use secret_digest::HmacDigester;
pub use system::{OsRandomness, SystemClock};
pub use totp::Rfc6238;
