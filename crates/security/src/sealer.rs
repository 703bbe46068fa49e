use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use clientele_domain::ports::{SealError, Sealer};

const NONCE_LEN: usize = 12;

/// ChaCha20-Poly1305 with a random nonce per message, under a key of the instance: outbox
/// bodies (which carry secrets) are not readable from the database. The key is
/// `MasterKey::outbox_seal_key`, which is not in the database.
pub struct ChaChaSealer {
    cipher: ChaCha20Poly1305,
}

impl ChaChaSealer {
    pub fn new(key: [u8; 32]) -> Self {
        ChaChaSealer {
            cipher: ChaCha20Poly1305::new(&key.into()),
        }
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

impl Sealer for ChaChaSealer {
    fn seal(&self, plaintext: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("encryption of a String cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        b64().encode(out)
    }

    fn open(&self, sealed: &str) -> Result<String, SealError> {
        let bytes = b64().decode(sealed).map_err(|_| SealError)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| SealError)?;
        String::from_utf8(plain).map_err(|_| SealError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeyScheme, MasterKey};

    #[test]
    fn seals_open_and_refuse_tampering() {
        let sealer = ChaChaSealer::new([1u8; 32]);
        let sealed = sealer.seal("Code: 8KY0CX0LAR");
        assert!(!sealed.contains("8KY0CX0LAR"));
        assert!(!sealed.contains('.'), "sealed values can be joined with dots");
        assert_ne!(sealed, sealer.seal("Code: 8KY0CX0LAR"), "fresh nonce each time");
        assert_eq!(sealer.open(&sealed).unwrap(), "Code: 8KY0CX0LAR");
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            sealer.open(std::str::from_utf8(&tampered).unwrap()),
            Err(SealError)
        );
        assert_eq!(sealer.open("short"), Err(SealError));
        let other = ChaChaSealer::new([2u8; 32]);
        assert_eq!(other.open(&sealer.seal("x")), Err(SealError));
    }

    #[test]
    fn mail_sealed_before_the_upgrade_still_opens_under_the_legacy_scheme() {
        // Sealed by the earlier version under this stored jwt_secret.
        let legacy = b"legacy-jwt-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH";
        let master = MasterKey::new(KeyScheme::Legacy, legacy.to_vec()).unwrap();
        let sealer = ChaChaSealer::new(master.outbox_seal_key());
        assert_eq!(
            sealer.open("ZsMS2JEtRQ2qt3f0tJkRhedeYTdTtGcnBVb57gWHyI8tlB2ggYpJ_b1JEHw"),
            Ok("Code: 8KY0CX0LAR".to_owned())
        );
        let v1 = MasterKey::new(KeyScheme::V1, legacy.to_vec()).unwrap();
        assert_ne!(v1.outbox_seal_key(), master.outbox_seal_key());
    }
}
