//! Clock, randomness, secrets, passwords, tokens and mail that a test can read: nothing random,
//! nothing sealed, every message kept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use clientele_domain::ports::{
    AccessClaims, AccessTokens, Clock, DeliveryError, HashError, Mail, MailSender, PassphraseTokens,
    PasswordHasher, Randomness, RequestContext, SealError, Sealer, SecretDigester, TokenError,
};
use clientele_domain::values::{Password, PasswordHash};
use time::OffsetDateTime;
use uuid::Uuid;

/// A clock that says what it was set to, until it is moved.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    pub fn at(now: OffsetDateTime) -> Self {
        FixedClock(Arc::new(Mutex::new(now)))
    }

    /// Moves the clock by `by` (expiry without sleeping).
    pub fn advance(&self, by: time::Duration) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Randomness that counts: uuids and numbers in sequence, strings of the alphabet's first
/// character but the last digit of the count (so two secrets in a row differ).
#[derive(Debug, Default)]
pub struct Sequence(AtomicU64);

impl Sequence {
    fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl Randomness for Sequence {
    fn uuid(&self) -> Uuid {
        Uuid::from_u128(0x1000_0000_0000_0000_0000 + u128::from(self.next()))
    }

    fn int_in(&self, min: i64, max: i64) -> i64 {
        let span = (max - min).max(0) as u64 + 1;
        min + (self.next() % span) as i64
    }

    fn string_from(&self, alphabet: &'static [u8], len: usize) -> String {
        let n = self.next() as usize;
        (0..len)
            .map(|i| alphabet[(n + i) % alphabet.len()] as char)
            .collect()
    }
}

/// Secrets, passwords, sealed text and tokens kept in the clear (marked as such): a test can
/// read what was sent and check what was stored. Never for production.
#[derive(Debug, Clone, Copy, Default)]
pub struct InClear;

impl SecretDigester for InClear {
    fn digest(&self, secret: &str) -> String {
        format!("digest:{secret}")
    }

    fn matches(&self, secret: &str, digest: &str) -> bool {
        digest == self.digest(secret)
    }
}

impl Sealer for InClear {
    fn seal(&self, plaintext: &str) -> String {
        plaintext.to_owned()
    }

    fn open(&self, sealed: &str) -> Result<String, SealError> {
        Ok(sealed.to_owned())
    }
}

#[async_trait]
impl PasswordHasher for InClear {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash::from_stored(format!("hash:{}", password.expose())))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
        Ok(hash.as_str() == format!("hash:{}", password.expose()))
    }
}

impl AccessTokens for InClear {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        Ok(format!("token:{}:{}", claims.tenant, claims.session.0))
    }

    fn verify(&self, _token: &str) -> Result<AccessClaims, TokenError> {
        Err(TokenError::Invalid)
    }
}

impl PassphraseTokens for InClear {
    fn passphrase_token(&self, passphrase: &Password, _code: &str) -> Result<String, TokenError> {
        Ok(format!("passphrase:{}", passphrase.expose()))
    }
}

impl RequestContext for InClear {
    fn request_id(&self) -> Option<String> {
        None
    }

    fn client_address(&self) -> Option<String> {
        None
    }
}

/// A mail sender that keeps every mail it is given.
#[derive(Debug, Clone, Default)]
pub struct RecordingMail(Arc<Mutex<Vec<Mail>>>);

impl RecordingMail {
    /// The mails sent so far, oldest first.
    pub fn sent(&self) -> Vec<Mail> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl MailSender for RecordingMail {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(mail.clone());
        Ok(())
    }
}
