use std::fmt;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Every setting, with a default that works on a laptop. See README.md for the table.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub listen: String,
    pub database_url: String,
    pub admin_token: Option<String>,
    pub jwt_secret: Option<String>,
    pub smtp_url: Option<String>,
    /// Longest one SMTP send may take, connect through the end of DATA, in seconds.
    pub smtp_timeout_secs: u32,
    pub mail_from: String,
    pub sms_url: Option<String>,
    pub bcrypt_cost: u32,
    pub public_url: String,
    pub allowed_redirects: String,
    /// How long a signed-in session lasts, in seconds.
    pub session_ttl_secs: u32,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// `text` or `json`.
    pub log_format: String,
    /// Lifetime of an activation secret, in seconds.
    pub activation_ttl_secs: u32,
    /// Lifetime of an email-change key, in seconds.
    pub email_change_ttl_secs: u32,
    /// Lifetime of a password-reset code, in seconds.
    pub reset_ttl_secs: u32,
    /// Wait after a failed delivery, in seconds; doubles per further failure (at most an hour).
    pub delivery_retry_secs: u32,
    /// Delivery tries before a message is abandoned.
    pub delivery_max_attempts: u32,
    /// Sustained requests per minute one client address may make to the unauthenticated
    /// sign-in, sign-up, activation, confirmation and reset routes (bursts of 10); 0 = no limit.
    pub rate_limit_per_minute: u32,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
}

const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "admin_token",
    "jwt_secret",
    "smtp_url",
    "smtp_timeout_secs",
    "mail_from",
    "sms_url",
    "bcrypt_cost",
    "public_url",
    "allowed_redirects",
    "session_ttl_secs",
    "body_limit_bytes",
    "log_format",
    "activation_ttl_secs",
    "email_change_ttl_secs",
    "reset_ttl_secs",
    "delivery_retry_secs",
    "delivery_max_attempts",
    "rate_limit_per_minute",
    "workers",
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/clientele.db".into(),
            admin_token: None,
            jwt_secret: None,
            smtp_url: None,
            smtp_timeout_secs: 30,
            mail_from: "Clientele <no-reply@localhost>".into(),
            sms_url: None,
            bcrypt_cost: 12,
            public_url: "http://127.0.0.1:8080".into(),
            allowed_redirects: String::new(),
            session_ttl_secs: 86_400,
            body_limit_bytes: 64 * 1024,
            log_format: "text".into(),
            activation_ttl_secs: 72 * 3600,
            email_change_ttl_secs: 24 * 3600,
            reset_ttl_secs: 30 * 60,
            delivery_retry_secs: 5,
            delivery_max_attempts: 10,
            rate_limit_per_minute: 30,
            workers: 0,
        }
    }
}

impl Settings {
    /// Defaults, then the TOML file (if given, or `clientele.toml` if present), then
    /// `CLIENTELE_*` variables. Empty variables count as unset.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) if !path.exists() => return Err(format!("{} does not exist", path.display())),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("clientele.toml")),
        }
        // Only known keys come from the environment, so unrelated CLIENTELE_* variables (the
        // test kit's, say) are no error; an empty variable counts as unset.
        let env = Env::prefixed("CLIENTELE_").only(KEYS).filter(|key| {
            std::env::var(format!("CLIENTELE_{}", key.as_str().to_ascii_uppercase()))
                .map_or(true, |value| !value.is_empty())
        });
        let settings: Settings = figment.merge(env).extract().map_err(|e| e.to_string())?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), String> {
        if !(4..=31).contains(&self.bcrypt_cost) {
            return Err(format!(
                "CLIENTELE_BCRYPT_COST must be 4 to 31, not {}",
                self.bcrypt_cost
            ));
        }
        if !["text", "json"].contains(&self.log_format.as_str()) {
            return Err("CLIENTELE_LOG_FORMAT must be text or json".into());
        }
        if self.admin_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err("CLIENTELE_ADMIN_TOKEN must be at least 16 characters".into());
        }
        if self.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("CLIENTELE_JWT_SECRET must be at least 32 bytes".into());
        }
        for (name, value) in [
            ("SESSION_TTL_SECS", self.session_ttl_secs),
            ("ACTIVATION_TTL_SECS", self.activation_ttl_secs),
            ("EMAIL_CHANGE_TTL_SECS", self.email_change_ttl_secs),
            ("RESET_TTL_SECS", self.reset_ttl_secs),
            ("DELIVERY_RETRY_SECS", self.delivery_retry_secs),
            ("DELIVERY_MAX_ATTEMPTS", self.delivery_max_attempts),
            ("SMTP_TIMEOUT_SECS", self.smtp_timeout_secs),
        ] {
            if value == 0 {
                return Err(format!("CLIENTELE_{name} must be positive"));
            }
        }
        if !self.public_url.starts_with("http://") && !self.public_url.starts_with("https://") {
            return Err("CLIENTELE_PUBLIC_URL must be an http:// or https:// URL".into());
        }
        Ok(())
    }
}

fn redacted(value: &Option<String>) -> &'static str {
    if value.is_some() {
        "<set>"
    } else {
        "<unset>"
    }
}

/// Secrets (and URLs that may embed passwords) never reach a log through `Debug`.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database", &self.database_url.split("://").next().unwrap_or(""))
            .field("admin_token", &redacted(&self.admin_token))
            .field("jwt_secret", &redacted(&self.jwt_secret))
            .field("smtp_url", &redacted(&self.smtp_url))
            .field("sms_url", &redacted(&self.sms_url))
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// `CLIENTELE_ALLOWED_REDIRECTS` as a list of origins.
    pub fn allowed_origins(&self) -> Vec<String> {
        self.allowed_redirects
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert!(Settings::default().validate().is_ok());
    }

    #[test]
    fn debug_hides_secrets() {
        let settings = Settings {
            admin_token: Some("admin-token-sentinel".into()),
            jwt_secret: Some("jwt-secret-sentinel-jwt-secret-sentinel".into()),
            database_url: "postgres://user:db-password-sentinel@host/db".into(),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("sentinel"), "{shown}");
    }

    #[test]
    fn toml_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9999\"\nbcrypt_cost = 4\n").unwrap();
        let settings = Settings::load(Some(&path)).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:9999");
        std::fs::write(&path, "bcrypt_cost = 40\n").unwrap();
        assert!(Settings::load(Some(&path)).is_err());
        std::fs::write(&path, "no_such_key = 1\n").unwrap();
        assert!(Settings::load(Some(&path)).is_err());
        assert!(Settings::load(Some(&dir.path().join("missing.toml"))).is_err());
    }
}
