use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine;
use clientele_domain::ports::{FirebaseScrypt, HashError, PasswordHasher};
use clientele_domain::values::{Password, PasswordHash};
use sha2::{Digest, Sha256};

use crate::verify_timing::SchemeTimes;
use crate::{imported_hashes, HashingPool};

/// bcrypt reads at most 72 bytes of a password.
const BCRYPT_MAX_BYTES: usize = 72;

/// The name of Clientele's own scheme among the imported ones (for [`SchemeTimes`]).
const OWN_SCHEME: &str = "bcrypt";

/// bcrypt with a configurable cost, run on the [`HashingPool`] (never on tokio's blocking pool,
/// which database calls use).
///
/// Passwords of up to 72 bytes are hashed as they are, so hashes stay interchangeable with any
/// bcrypt implementation. Longer ones are first reduced to the base64 of their SHA-256 (44
/// bytes): every byte counts and nothing is silently cut off.
///
/// Also verifies earlier systems' hashes imported with their customers (imported_hashes.rs),
/// answering no sooner than the slowest scheme it has seen takes on average (the highest that
/// average has been: verify_timing.rs), unreadable hashes (`Malformed`) included.
#[derive(Clone)]
pub struct BcryptHasher {
    cost: u32,
    pool: Arc<HashingPool>,
    times: Arc<SchemeTimes>,
}

impl BcryptHasher {
    /// `cost` is bcrypt's work factor, 4 to 31.
    pub fn new(cost: u32, pool: Arc<HashingPool>) -> Result<Self, String> {
        if !(4..=31).contains(&cost) {
            return Err(format!("bcrypt cost must be between 4 and 31, not {cost}"));
        }
        let times = Arc::default();
        Ok(BcryptHasher { cost, pool, times })
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

/// A verification as the hashing pool runs it (owning its inputs).
enum Check {
    Own { input: Vec<u8>, hash: String },
    Imported { password: Vec<u8>, form: String },
}

impl Check {
    fn of(password: &Password, hash: &PasswordHash) -> Self {
        match hash.imported_form() {
            Some(form) => Check::Imported {
                password: password.expose().as_bytes().to_vec(),
                form: form.to_owned(),
            },
            None => Check::Own {
                input: bcrypt_input(password),
                hash: hash.as_str().to_owned(),
            },
        }
    }

    /// The scheme and whether the password matched (or why it could not be checked), and how
    /// long that took: an error's time too, for its answer is padded as well.
    fn run(self) -> (Result<(&'static str, bool), HashError>, Duration) {
        let started = Instant::now();
        let outcome = match self {
            Check::Own { input, hash } => bcrypt::verify(input, &hash)
                .map(|matched| (OWN_SCHEME, matched))
                .map_err(|_| HashError::Malformed),
            Check::Imported { password, form } => imported_hashes::read(&form)
                .and_then(|imported| Ok((imported.scheme(), imported.verify(&password)?))),
        };
        (outcome, started.elapsed())
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
        let check = Check::of(password, hash);
        // `Busy` or `Unavailable` (nothing ran) answer at once; anything the check answered,
        // `Malformed` too, is padded.
        let (outcome, took) = self.pool.run(move || check.run()).await?;
        let wait = match outcome {
            Ok((scheme, _)) => self.times.record(scheme, took),
            // Not a scheme's time (an unreadable hash is refused early): recorded nowhere, and
            // padded to the slowest scheme's, as long as any answer takes.
            Err(_) => self.times.unrecorded(took),
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        outcome.map(|(_, matched)| matched)
    }

    fn adopt(
        &self,
        hash: &str,
        salt: Option<&str>,
        firebase: Option<&FirebaseScrypt>,
    ) -> Result<PasswordHash, String> {
        imported_hashes::adopt(hash, salt, firebase).map(|form| PasswordHash::imported(&form))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imported_hashes::vectors::*;

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

    #[tokio::test]
    async fn adopted_hashes_verify_in_their_own_scheme() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        let firebase = FirebaseScrypt {
            signer_key: FIREBASE_SIGNER_KEY.into(),
            salt_separator: FIREBASE_SALT_SEPARATOR.into(),
            rounds: FIREBASE_ROUNDS,
            mem_cost: FIREBASE_MEM_COST,
        };
        let imports = [
            (BCRYPT_2Y, None, PASSWORD),
            (ARGON2ID, None, PASSWORD),
            (SCRYPT_PASSLIB, None, PASSWORD),
            (PBKDF2_SHA512_PASSLIB, None, PASSWORD),
            (PBKDF2_SHA256_DJANGO, None, PASSWORD),
            (DJANGO_BCRYPT_SHA256, None, PASSWORD),
            (FIREBASE_HASH, Some(FIREBASE_SALT), FIREBASE_PASSWORD),
        ];
        for (hash, salt, right) in imports {
            let adopted = hasher.adopt(hash, salt, Some(&firebase)).unwrap();
            assert!(adopted.is_imported());
            assert!(hasher.verify(&password(right), &adopted).await.unwrap(), "{hash}");
            assert!(!hasher
                .verify(&password("wrong password"), &adopted)
                .await
                .unwrap());
        }
        // A long password is cut at 72 bytes as the earlier system's bcrypt cut it, not reduced
        // to its SHA-256 as Clientele's own hashes are.
        let long = hasher.adopt(BCRYPT_LONG, None, None).unwrap();
        assert!(hasher.verify(&password(LONG), &long).await.unwrap());
    }

    #[tokio::test]
    async fn adopting_refuses_with_a_reason() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        assert_eq!(
            hasher.adopt("hunter2", None, None),
            Err("unknown password hash format".into())
        );
        assert_eq!(hasher.adopt("", None, None), Err("empty password hash".into()));
    }

    #[tokio::test]
    async fn an_unreadable_imported_hash_is_malformed() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        for form in [
            "not-a-hash",
            "$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaA",
            BCRYPT_2B.get(..20).unwrap(),
        ] {
            assert_eq!(
                hasher
                    .verify(&password("whatever"), &PasswordHash::imported(form))
                    .await,
                Err(HashError::Malformed),
                "{form}"
            );
        }
    }

    #[tokio::test]
    async fn imported_hashes_are_verified_on_the_hashing_pool() {
        // One thread and a queue of one, both taken: the pool refuses at once.
        let pool = Arc::new(HashingPool::new(1, 1));
        let hasher = BcryptHasher::new(4, pool.clone()).unwrap();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::spawn({
            let pool = pool.clone();
            async move {
                let job = move || {
                    started.send(()).unwrap();
                    hold.recv().ok()
                };
                pool.run(job).await
            }
        });
        tokio::task::spawn_blocking(move || running.recv().unwrap())
            .await
            .unwrap();
        let queued = tokio::spawn(async move { pool.run(|| ()).await });
        // On this single-threaded runtime the spawned task is queued before this one goes on.
        tokio::task::yield_now().await;
        let adopted = hasher.adopt(ARGON2ID, None, None).unwrap();
        let busy = hasher.verify(&password(PASSWORD), &adopted).await;
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        queued.await.unwrap().unwrap();
        assert_eq!(busy, Err(HashError::Busy));
    }

    /// The clock is paused: it moves only by the wait, which so is measured exactly.
    #[tokio::test(start_paused = true)]
    async fn answers_wait_for_the_slowest_other_schemes_average() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        let own = hasher.hash(&password("correct horse")).await.unwrap();
        let waited = |hasher: BcryptHasher, hash: PasswordHash| async move {
            let started = tokio::time::Instant::now();
            hasher.verify(&password("correct horse"), &hash).await.unwrap();
            started.elapsed()
        };
        assert_eq!(
            waited(hasher.clone(), own.clone()).await,
            Duration::ZERO,
            "no other scheme"
        );
        hasher.times.record("import:argon2", Duration::from_secs(10));
        let padded = waited(hasher.clone(), own).await;
        // Ten seconds less bcrypt's own (real, unpaused) time, rounded up to tokio's milliseconds.
        assert!(
            padded > Duration::from_secs(9) && padded <= Duration::from_secs(10),
            "{padded:?}"
        );
        // Clones share the averages (the app hands one hasher to many services).
        let imported = hasher.adopt(BCRYPT_2B, None, None).unwrap();
        assert!(waited(hasher.clone(), imported).await > Duration::from_secs(9));
        // Cheap argon2 checks lower its average, not the wait it sets for the others.
        for _ in 0..100 {
            hasher.times.record("import:argon2", Duration::from_millis(1));
        }
        let own = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(waited(hasher.clone(), own).await > Duration::from_secs(9));
    }

    /// An unreadable hash answers `Malformed` no sooner than a verification would.
    #[tokio::test(start_paused = true)]
    async fn malformed_answers_are_padded_too() {
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        let malformed = |hasher: BcryptHasher, hash: PasswordHash| async move {
            let started = tokio::time::Instant::now();
            let answer = hasher.verify(&password("correct horse"), &hash).await;
            assert_eq!(answer, Err(HashError::Malformed), "{}", hash.as_str());
            started.elapsed()
        };
        let unreadable = [
            PasswordHash::from_stored("not-a-hash".into()),
            PasswordHash::imported("not-a-hash"),
            PasswordHash::imported(BCRYPT_2B.get(..20).unwrap()),
            // Beyond the caps: not one adopt makes.
            PasswordHash::imported(&BCRYPT_2B.replace("$04$", "$15$")),
        ];
        assert_eq!(
            malformed(hasher.clone(), unreadable[0].clone()).await,
            Duration::ZERO,
            "no scheme seen"
        );
        hasher.times.record("import:argon2", Duration::from_secs(10));
        for hash in &unreadable {
            let waited = malformed(hasher.clone(), hash.clone()).await;
            assert!(
                waited > Duration::from_secs(9) && waited <= Duration::from_secs(10),
                "{}: {waited:?}",
                hash.as_str()
            );
        }
        // The slowest scheme's own answers take as long as it does: so do errors, whatever
        // scheme the hash claims.
        let hasher = BcryptHasher::new(4, pool()).unwrap();
        hasher.times.record(OWN_SCHEME, Duration::from_secs(10));
        for hash in &unreadable {
            assert!(malformed(hasher.clone(), hash.clone()).await > Duration::from_secs(9));
        }
        // Errors record nothing: bcrypt is still the only scheme seen, so its answers wait for
        // nothing.
        let own = hasher.hash(&password("correct horse")).await.unwrap();
        let started = tokio::time::Instant::now();
        assert!(hasher.verify(&password("correct horse"), &own).await.unwrap());
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn cost_is_bounded() {
        assert!(BcryptHasher::new(3, pool()).is_err());
        assert!(BcryptHasher::new(32, pool()).is_err());
        assert!(BcryptHasher::new(12, pool()).is_ok());
    }
}
