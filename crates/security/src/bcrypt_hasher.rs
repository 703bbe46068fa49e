use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use clientele_domain::ports::{HashError, PasswordHasher};
use clientele_domain::values::{Password, PasswordHash};
use sha2::{Digest, Sha256};

use crate::HashingPool;

/// bcrypt reads at most 72 bytes of a password.
const BCRYPT_MAX_BYTES: usize = 72;

/// bcrypt with a configurable cost, run on the [`HashingPool`] (never on tokio's blocking pool,
/// which database calls use).
///
/// Passwords of up to 72 bytes are hashed as they are, so hashes stay interchangeable with any
/// bcrypt implementation. Longer ones are first reduced to the base64 of their SHA-256 (44
/// bytes): every byte counts and nothing is silently cut off.
#[derive(Clone)]
pub struct BcryptHasher {
    cost: u32,
    pool: Arc<HashingPool>,
}

impl BcryptHasher {
    /// `cost` is bcrypt's work factor, 4 to 31.
    pub fn new(cost: u32, pool: Arc<HashingPool>) -> Result<Self, String> {
        if !(4..=31).contains(&cost) {
            return Err(format!("bcrypt cost must be between 4 and 31, not {cost}"));
        }
        Ok(BcryptHasher { cost, pool })
    }
}

fn bcrypt_input(password: &Password) -> Vec<u8> {
    let bytes = password.expose().as_bytes();
    if bytes.len() <= BCRYPT_MAX_BYTES {
        bytes.to_vec()
    } else {
        base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(bytes))
            .into_bytes()
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let (input, cost) = (bcrypt_input(password), self.cost);
        self.pool
            .run(move || bcrypt::hash(input, cost))
            .await?
            .map(PasswordHash::from_stored)
            .map_err(|_| HashError::Unavailable)
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
        let (input, hash) = (bcrypt_input(password), hash.as_str().to_owned());
        self.pool
            .run(move || bcrypt::verify(input, &hash))
            .await?
            .map_err(|_| HashError::Malformed)
    }

    fn adopt(
        &self,
        _hash: &str,
        _salt: Option<&str>,
        _firebase: Option<&clientele_domain::ports::FirebaseScrypt>,
    ) -> Result<PasswordHash, String> {
        Err("unknown password hash format".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Arc<HashingPool> {
        Arc::new(HashingPool::new(2, 8))
    }

    fn password(raw: &str) -> Password {
        Password::candidate(raw).unwrap()
    }

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        let a = hasher.hash(&password("correct horse")).await.unwrap();
        let b = hasher.hash(&password("correct horse")).await.unwrap();
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("$2b$04$"));
        assert!(hasher.verify(&password("correct horse"), &a).await.unwrap());
        assert!(!hasher.verify(&password("correct horsf"), &a).await.unwrap());
    }

    #[tokio::test]
    async fn bytes_beyond_72_still_count() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        let long = "x".repeat(72);
        let hash = hasher.hash(&password(&format!("{long}-one"))).await.unwrap();
        assert!(hasher
            .verify(&password(&format!("{long}-one")), &hash)
            .await
            .unwrap());
        assert!(!hasher
            .verify(&password(&format!("{long}-two")), &hash)
            .await
            .unwrap());
        assert!(!hasher.verify(&password(&long), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn garbage_hash_is_malformed_not_a_match() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        let garbage = PasswordHash::from_stored("not-a-hash".into());
        assert_eq!(
            hasher.verify(&password("whatever"), &garbage).await,
            Err(HashError::Malformed)
        );
    }

    #[test]
    fn cost_is_bounded() {
        assert!(BcryptHasher::new(3, pool()).is_err());
        assert!(BcryptHasher::new(32, pool()).is_err());
        assert!(BcryptHasher::new(12, pool()).is_ok());
    }
}
