use base64::Engine;
use clientele_domain::ports::SecretDigester;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of flow secrets under a key of the instance: the short codes customers type
/// cannot be brute-forced from a stolen database without it. The key is
/// `MasterKey::flow_digest_key`, which is not in the database.
pub struct HmacDigester {
    key: [u8; 32],
    /// Codes customers type are compared ignoring case and surrounding space; machine-held
    /// secrets (API keys) exactly, so that none of their entropy is given away.
    as_typed: bool,
}

impl HmacDigester {
    /// For secrets customers type (mailed codes and keys): case and surrounding space ignored.
    pub fn new(key: [u8; 32]) -> Self {
        HmacDigester { key, as_typed: true }
    }

    /// For secrets machines hold (API keys): compared byte for byte.
    pub fn exact(key: [u8; 32]) -> Self {
        HmacDigester { key, as_typed: false }
    }

    fn mac(&self, secret: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        if self.as_typed {
            mac.update(secret.trim().to_uppercase().as_bytes());
        } else {
            mac.update(secret.as_bytes());
        }
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
    use crate::{KeyScheme, MasterKey};

    #[test]
    fn exact_digests_keep_case() {
        let digester = HmacDigester::exact([1u8; 32]);
        let digest = digester.digest("clk_AbC_xYz");
        assert!(digester.matches("clk_AbC_xYz", &digest));
        assert!(!digester.matches("clk_ABC_XYZ", &digest));
        assert!(!digester.matches(" clk_AbC_xYz", &digest));
    }

    #[test]
    fn digests_match_only_their_secret_under_their_key() {
        let digester = HmacDigester::new([1u8; 32]);
        let digest = digester.digest("8KY0CX0LAR");
        assert!(!digest.contains("8KY0CX0LAR"));
        assert!(digester.matches("8KY0CX0LAR", &digest));
        assert!(
            digester.matches(" 8ky0cx0lar ", &digest),
            "as typed: case and spaces ignored"
        );
        assert!(!digester.matches("8KY0CX0LAS", &digest));
        assert!(!digester.matches("8KY0CX0LAR", "not base64!"));
        let other = HmacDigester::new([2u8; 32]);
        assert!(!other.matches("8KY0CX0LAR", &digest));
    }

    #[test]
    fn digests_stored_before_the_upgrade_still_match_under_the_legacy_scheme() {
        // Made by the earlier version from this stored jwt_secret.
        let legacy = b"legacy-jwt-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH";
        let master = MasterKey::new(KeyScheme::Legacy, legacy.to_vec()).unwrap();
        let digester = HmacDigester::new(master.flow_digest_key());
        assert!(digester.matches("8KY0CX0LAR", "IbMVa1qL8l718ZU6cYzqJhb9JBdcbN3bz+TR2wA/Pxo"));
    }
}
