//! Values generated once per installation and kept in the database: the admin token (only
//! its SHA-256) and the JWT signing key, unless the configuration provides them.

use anyhow::Context;
use clientele_domain::ports::{InstanceSecrets, Randomness};
use clientele_security::sha256_hex;

use crate::config::Settings;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ADMIN_TOKEN_HASH: &str = "admin_token_sha256";
const JWT_SECRET: &str = "jwt_secret";

pub struct InstanceKeys {
    pub admin_token_sha256: String,
    pub jwt_secret: Vec<u8>,
}

pub async fn resolve(
    settings: &Settings,
    secrets: &dyn InstanceSecrets,
    random: &dyn Randomness,
) -> anyhow::Result<InstanceKeys> {
    let admin_token_sha256 = match &settings.admin_token {
        Some(token) => sha256_hex(token),
        None => {
            let token = random.string_from(ALPHANUMERIC, 40);
            let (stored, generated) = secrets
                .get_or_insert(ADMIN_TOKEN_HASH, &sha256_hex(&token))
                .await
                .context("storing the admin token")?;
            if generated {
                // Printed once, on purpose, outside the log: only its hash is stored.
                println!(
                    "\n  Back-office admin token (shown once, keep it safe):\n\n    {token}\n\n  \
                     Use it as `Authorization: Bearer <token>` on /admin/v1/…\n  \
                     Set CLIENTELE_ADMIN_TOKEN to choose your own instead.\n"
                );
            } else {
                tracing::info!(
                    "using the admin token generated at first start (CLIENTELE_ADMIN_TOKEN unset)"
                );
            }
            stored
        }
    };
    let jwt_secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            let (stored, _) = secrets
                .get_or_insert(JWT_SECRET, &random.string_from(ALPHANUMERIC, 64))
                .await
                .context("storing the JWT signing key")?;
            stored
        }
    };
    Ok(InstanceKeys {
        admin_token_sha256,
        jwt_secret: jwt_secret.into_bytes(),
    })
}
