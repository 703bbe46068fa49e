//! Keys derived from the instance's master secret (the JWT signing key), one per use, so that
//! no key serves two purposes.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub fn derive(master: &[u8], label: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(master).expect("HMAC takes keys of any length");
    mac.update(b"clientele/");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}
