//! The Standard Webhooks signature: HMAC-SHA256, keyed with the base64-decoded secret (after
//! its `whsec_` prefix), over `id.timestamp.body`, written as `v1,<base64>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use clientele_domain::webhooks::SECRET_PREFIX;

pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .map_err(|_| "the endpoint's secret is not base64".to_owned())?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| "the endpoint's secret is unusable".to_owned())?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}
