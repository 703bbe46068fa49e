//! The instance's master key and the keys derived from it, one per use, so that no key serves
//! two purposes and none of them needs to be stored.

use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngExt;
use sha2::Sha256;

/// How the per-use keys come from the master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScheme {
    /// HKDF-SHA256 with one label per use: every installation created since keys left the
    /// database.
    V1,
    /// The JWT signing key that earlier versions generated and kept in the database: it signs
    /// access tokens itself, and the digest and sealing keys are HMAC-SHA256 labels of it, so
    /// that sessions, pending secrets and sealed mail made before the upgrade stay valid.
    Legacy,
}

/// The root of an instance's keys. Its bytes never appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    scheme: KeyScheme,
    bytes: Vec<u8>,
}

impl MasterKey {
    /// Shortest master key accepted, in bytes.
    pub const MIN_LEN: usize = 32;
    /// Length of a generated master key, in bytes.
    pub const GENERATED_LEN: usize = 32;

    pub fn new(scheme: KeyScheme, bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!(
                "a master key must hold at least {} bytes, this one holds {}",
                Self::MIN_LEN,
                bytes.len()
            ));
        }
        Ok(MasterKey { scheme, bytes })
    }

    /// A fresh V1 key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; Self::GENERATED_LEN];
        rand::rng().fill(&mut bytes[..]);
        MasterKey {
            scheme: KeyScheme::V1,
            bytes,
        }
    }

    pub fn scheme(&self) -> KeyScheme {
        self.scheme
    }

    /// The raw key, for writing it to its file. Handle with care.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The HS256 key for access tokens.
    pub fn access_token_key(&self) -> Vec<u8> {
        match self.scheme {
            KeyScheme::V1 => hkdf(&self.bytes, "access-token-signing").to_vec(),
            KeyScheme::Legacy => self.bytes.clone(),
        }
    }

    /// The HMAC key under which flow secrets (codes, keys) are digested.
    pub fn flow_digest_key(&self) -> [u8; 32] {
        self.derive("flow-secret-digest")
    }

    /// The key of API-key digests: its own label, so that knowing one kind of digest tells
    /// nothing about another.
    pub fn api_key_digest_key(&self) -> [u8; 32] {
        self.derive("api-key-digest")
    }

    /// The ChaCha20-Poly1305 key that seals outbox bodies.
    pub fn outbox_seal_key(&self) -> [u8; 32] {
        self.derive("outbox-seal")
    }

    /// The ChaCha20-Poly1305 key that seals authenticator apps' shared secrets: its own label,
    /// so that what opens a mail does not open a factor.
    pub fn factor_seal_key(&self) -> [u8; 32] {
        self.derive("factor-seal")
    }

    /// The key's fingerprint, stored in the database (`instance_secrets.master_key_check`) so
    /// that an instance started with another key refuses to serve instead of silently voiding
    /// what the others made. It is a MAC of nothing under a key derived for this use alone:
    /// it signs no token, digests no secret and opens no mail, and it reveals nothing of the
    /// master key. It depends on the scheme too, as the derived keys do.
    pub fn check(&self) -> String {
        hex::encode(self.derive("master-key-check"))
    }

    fn derive(&self, label: &str) -> [u8; 32] {
        match self.scheme {
            KeyScheme::V1 => hkdf(&self.bytes, label),
            KeyScheme::Legacy => legacy_derive(&self.bytes, label),
        }
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("scheme", &self.scheme)
            .field("bytes", &"<redacted>")
            .finish()
    }
}

/// HKDF-SHA256 (RFC 5869): extract with a fixed salt naming the scheme, expand with the label.
fn hkdf(master: &[u8], label: &str) -> [u8; 32] {
    let hkdf = Hkdf::<Sha256>::new(Some(b"clientele-master-key v1"), master);
    let mut key = [0u8; 32];
    hkdf.expand(format!("clientele/v1/{label}").as_bytes(), &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

/// The derivation of earlier versions, kept bit for bit for migrated installations.
fn legacy_derive(master: &[u8], label: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(master).expect("HMAC takes keys of any length");
    mac.update(b"clientele/");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEGACY: &[u8] = b"legacy-jwt-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH";

    #[test]
    fn v1_keys_differ_per_label_and_from_the_master() {
        let master = MasterKey::new(KeyScheme::V1, vec![7u8; 32]).unwrap();
        let signing = master.access_token_key();
        let digest = master.flow_digest_key();
        let seal = master.outbox_seal_key();
        assert_eq!(signing.len(), 32);
        assert_ne!(&signing[..], &digest[..]);
        assert_ne!(&signing[..], &seal[..]);
        assert_ne!(digest, seal);
        for key in [&signing[..], &digest[..], &seal[..]] {
            assert_ne!(key, master.expose_bytes(), "no use gets the master key itself");
        }
        assert_eq!(master.flow_digest_key(), digest, "derivation is deterministic");
        let other = MasterKey::new(KeyScheme::V1, vec![8u8; 32]).unwrap();
        assert_ne!(other.flow_digest_key(), digest);
        assert_ne!(other.access_token_key(), signing);
    }

    #[test]
    fn v1_is_hkdf_sha256() {
        // RFC 5869 construction, checked against an independent implementation (Python's
        // hmac module): PRK = HMAC(salt, IKM); OKM = HMAC(PRK, info || 0x01).
        let master = MasterKey::new(KeyScheme::V1, vec![7u8; 32]).unwrap();
        assert_eq!(
            hex::encode(master.flow_digest_key()),
            "a826fd9663e43ed13258586d213e9c3d9e8ae5352a88666473a0c4e2dea81a2b"
        );
    }

    #[test]
    fn legacy_scheme_reproduces_the_old_derivations_exactly() {
        // Values computed by the code before keys left the database (keys::derive over the
        // stored jwt_secret), and cross-checked with Python's hmac module.
        let master = MasterKey::new(KeyScheme::Legacy, LEGACY.to_vec()).unwrap();
        assert_eq!(
            master.access_token_key(),
            LEGACY,
            "the stored secret signed tokens"
        );
        assert_eq!(
            hex::encode(master.flow_digest_key()),
            "a7e1c6b31f22cab33dc3da1cc232438893d51aa1648928e57c971d3ec3e50843"
        );
        assert_eq!(
            hex::encode(master.outbox_seal_key()),
            "46bd434eb22116e59712161b707a643c36a1654d454b9defc9e80c15b57bb5d9"
        );
    }

    #[test]
    fn the_check_is_no_key_of_any_use() {
        for master in [
            MasterKey::new(KeyScheme::V1, vec![7u8; 32]).unwrap(),
            MasterKey::new(KeyScheme::Legacy, LEGACY.to_vec()).unwrap(),
        ] {
            let check = hex::decode(master.check()).unwrap();
            assert_eq!(check.len(), 32);
            for key in [
                master.access_token_key(),
                master.flow_digest_key().to_vec(),
                master.outbox_seal_key().to_vec(),
                master.expose_bytes().to_vec(),
            ] {
                assert_ne!(check, key);
            }
            assert_eq!(master.check(), master.check(), "deterministic");
        }
        let v1 = MasterKey::new(KeyScheme::V1, LEGACY.to_vec()).unwrap();
        let legacy = MasterKey::new(KeyScheme::Legacy, LEGACY.to_vec()).unwrap();
        assert_ne!(v1.check(), legacy.check(), "the scheme is part of the key");
        assert_ne!(MasterKey::generate().check(), MasterKey::generate().check());
    }

    #[test]
    fn short_keys_are_refused_and_generated_ones_are_fresh_v1() {
        assert!(MasterKey::new(KeyScheme::V1, vec![1u8; 31]).is_err());
        let a = MasterKey::generate();
        assert_eq!(a.scheme(), KeyScheme::V1);
        assert_eq!(a.expose_bytes().len(), 32);
        assert_ne!(a, MasterKey::generate());
    }

    #[test]
    fn debug_hides_the_bytes() {
        let master = MasterKey::new(KeyScheme::Legacy, LEGACY.to_vec()).unwrap();
        let shown = format!("{master:?}");
        assert!(!shown.contains("legacy-jwt"), "{shown}");
        assert!(shown.contains("Legacy"));
    }
}
