//! Clock, randomness, secrets, passwords, tokens and mail that a test can read: nothing random,
//! nothing sealed, every message kept.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use clientele_domain::account::AccountUuid;
use clientele_domain::ports::{
    AccessClaims, AccessTokens, Clock, DeliveryError, HashError, Mail, MailSender, PassphraseTokens,
    PasswordHasher, Randomness, RequestContext, SealError, Sealer, SecretDigester, Text, TextSender,
    TokenError,
};
use clientele_domain::session::SessionId;
use clientele_domain::tenant::TenantId;
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

/// Readable, but without a `.`: a sealed mail is its sealed parts joined by `.`, as the real
/// sealer's output (which has none) allows.
impl Sealer for InClear {
    fn seal(&self, plaintext: &str) -> String {
        plaintext.replace('%', "%25").replace('.', "%2E")
    }

    fn open(&self, sealed: &str) -> Result<String, SealError> {
        Ok(sealed.replace("%2E", ".").replace("%25", "%"))
    }
}

#[async_trait]
impl PasswordHasher for InClear {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash::from_stored(format!("hash:{}", password.expose())))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, HashError> {
        match hash.imported_form() {
            Some(form) => Ok(form == format!("hash:{}", password.expose())),
            None => Ok(hash.as_str() == format!("hash:{}", password.expose())),
        }
    }

    /// Takes this hasher's own `hash:` form only (so a test can import a known password).
    fn adopt(
        &self,
        hash: &str,
        _salt: Option<&str>,
        _firebase: Option<&clientele_domain::ports::FirebaseScrypt>,
    ) -> Result<PasswordHash, String> {
        if !hash.starts_with("hash:") {
            return Err("unknown password hash format".into());
        }
        Ok(PasswordHash::imported(hash))
    }
}

/// Tokens that are their claims written out (`tenant|session|account|issued|expires`): unsigned,
/// so for tests only.
impl AccessTokens for InClear {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        Ok(format!(
            "{}|{}|{}|{}|{}",
            claims.tenant,
            claims.session.0,
            claims.account.0,
            claims.issued_at.unix_timestamp(),
            claims.expires_at.unix_timestamp()
        ))
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let parts: Vec<&str> = token.split('|').collect();
        let [tenant, session, account, issued, expires] = parts[..] else {
            return Err(TokenError::Invalid);
        };
        let time = |raw: &str| {
            raw.parse()
                .ok()
                .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
                .ok_or(TokenError::Invalid)
        };
        let uuid = |raw: &str| Uuid::parse_str(raw).map_err(|_| TokenError::Invalid);
        Ok(AccessClaims {
            tenant: TenantId::parse(tenant).ok_or(TokenError::Invalid)?,
            session: SessionId(uuid(session)?),
            account: AccountUuid(uuid(account)?),
            issued_at: time(issued)?,
            expires_at: time(expires)?,
        })
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

    fn device(&self) -> Option<String> {
        None
    }
}

/// A mail and text sender that keeps every message it is given.
#[derive(Clone, Default)]
pub struct Recorder {
    mails: Arc<Mutex<Vec<Mail>>>,
    texts: Arc<Mutex<Vec<Text>>>,
}

impl Recorder {
    /// The mails sent so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The texts sent so far, oldest first.
    pub fn texts(&self) -> Vec<Text> {
        self.texts.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl MailSender for Recorder {
    async fn send(&self, mail: &Mail) -> Result<(), DeliveryError> {
        self.mails
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(mail.clone());
        Ok(())
    }
}

#[async_trait]
impl TextSender for Recorder {
    async fn send(&self, text: &Text) -> Result<(), DeliveryError> {
        self.texts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(text.clone());
        Ok(())
    }
}
