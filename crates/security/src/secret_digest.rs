use base64::Engine;
use clientele_domain::ports::SecretDigester;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::keys::derive;

/// HMAC-SHA256 of flow secrets under a key of the instance: the short codes customers type
/// cannot be brute-forced from a stolen database without it.
pub struct HmacDigester {
    key: [u8; 32],
}

impl HmacDigester {
    pub fn new(master: &[u8]) -> Self {
        HmacDigester {
            key: derive(master, "flow-secret-digest"),
        }
    }

    fn mac(&self, secret: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        // Secrets are compared as customers type them, ignoring case.
        mac.update(secret.trim().to_uppercase().as_bytes());
        mac
    }
}

impl SecretDigester for HmacDigester {
    fn digest(&self, secret: &str) -> String {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.mac(secret).finalize().into_bytes())
    }

    fn matches(&self, secret: &str, digest: &str) -> bool {
        match base64::engine::general_purpose::STANDARD_NO_PAD.decode(digest) {
            Ok(expected) => self.mac(secret).verify_slice(&expected).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_only_their_secret_under_their_key() {
        let digester = HmacDigester::new(b"master-key-master-key-master-key");
        let digest = digester.digest("8KY0CX0LAR");
        assert!(!digest.contains("8KY0CX0LAR"));
        assert!(digester.matches("8KY0CX0LAR", &digest));
        assert!(
            digester.matches(" 8ky0cx0lar ", &digest),
            "as typed: case and spaces ignored"
        );
        assert!(!digester.matches("8KY0CX0LAS", &digest));
        assert!(!digester.matches("8KY0CX0LAR", "not base64!"));
        let other = HmacDigester::new(b"another-master-key-another-key!!");
        assert!(!other.matches("8KY0CX0LAR", &digest));
    }
}
