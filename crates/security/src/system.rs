use clientele_domain::ports::{Clock, Randomness};
use rand::RngExt;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// In whole microseconds, what both stores keep: what a write holds in memory is then
    /// what a load reads back.
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_microsecond(now.microsecond()).unwrap_or(now)
    }
}

/// The operating system's CSPRNG (through rand's thread-local ChaCha, reseeded from the OS).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandomness;

impl Randomness for OsRandomness {
    fn uuid(&self) -> Uuid {
        Uuid::new_v4()
    }

    fn int_in(&self, min: i64, max: i64) -> i64 {
        rand::rng().random_range(min..=max)
    }

    fn string_from(&self, alphabet: &'static [u8], len: usize) -> String {
        let mut rng = rand::rng();
        (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_alphabet() {
        let random = OsRandomness;
        for _ in 0..1000 {
            let n = random.int_in(10, 12);
            assert!((10..=12).contains(&n));
        }
        let s = random.string_from(b"AB", 64);
        assert_eq!(s.len(), 64);
        assert!(s.chars().all(|c| c == 'A' || c == 'B'));
        assert!(s.contains('A') && s.contains('B'));
        assert_ne!(random.uuid(), random.uuid());
    }
}
