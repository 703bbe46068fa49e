use std::fmt;
use std::path::Path;

use actix_web::http::header::HeaderName;
use clientele_domain::values::PhoneRegion;
use clientele_http::{ForwardedHeader, TrustedProxies};
use figment::error::Kind;
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
    /// The master key itself (hex or base64 of at least 32 bytes); see master_key.rs.
    pub master_key: Option<String>,
    /// A file holding the master key.
    pub master_key_file: Option<String>,
    pub smtp_url: Option<String>,
    /// Longest one SMTP send may take, connect through the end of DATA, in seconds.
    pub smtp_timeout_secs: u32,
    pub mail_from: String,
    /// The brand the default tenant's messages name, unless it set its own (else `mail_from`'s
    /// display name); other tenants fall back to their name.
    pub brand_name: Option<String>,
    pub sms_url: Option<String>,
    /// Twilio's Messages API: account SID, auth token and sender (a number or a sender id).
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    pub twilio_from: Option<String>,
    /// Twilio's API root (tests point it at a stand-in).
    pub twilio_base_url: String,
    /// The region (ISO 3166 alpha-2) in which a national phone number such as `9876543210` is
    /// read, and whose numbers are shown in national form; unset: only international numbers.
    pub default_phone_region: Option<String>,
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
    /// Lifetime of an account-closing (deactivation) code, in seconds.
    pub deactivation_ttl_secs: u32,
    /// Lifetime of a texted one-time code, in seconds.
    pub code_ttl_secs: u32,
    /// Shortest wait between two codes sent for one procedure, in seconds: asking sooner
    /// answers the same procedure and sends nothing.
    pub code_resend_secs: u32,
    /// Messages one recipient (address or number) may be sent per window by the routes anyone
    /// can make send one (sign-up, reset, email change, codes); 0 = no limit.
    pub send_limit: u32,
    /// The send limit's window, in seconds.
    pub send_limit_window_secs: u32,
    /// Sensitive changes (email change, closing, two-factor off, password change) need a
    /// session signed in at most this many seconds ago; older ones get 401 `sign-in-again`.
    pub reauth_max_age_secs: u32,
    /// Wait after a failed delivery, in seconds; doubles per further failure (at most an hour).
    pub delivery_retry_secs: u32,
    /// Delivery tries before a message is abandoned.
    pub delivery_max_attempts: u32,
    /// The longest one webhook POST may take, in seconds.
    pub webhook_timeout_secs: u32,
    /// Wait after a failed webhook delivery, in seconds; doubles per further failure (with
    /// jitter, at most an hour).
    pub webhook_retry_secs: u32,
    /// How long a webhook delivery is retried before it is abandoned, in seconds (a day).
    pub webhook_retry_window_secs: u32,
    /// An endpoint whose every delivery failed for this many seconds is disabled (three days).
    pub webhook_disable_after_secs: u32,
    /// How many days a webhook delivery that ended (delivered or abandoned) stays listed.
    pub webhook_retention_days: u32,
    /// Webhook URLs may be `http` to a loopback address (tests, development).
    pub webhook_allow_http_loopback: bool,
    /// Webhook URLs may reach private and link-local addresses (an internal receiver).
    pub webhook_allow_private_networks: bool,
    /// Sustained requests per minute one client address may make to the unauthenticated
    /// sign-in, sign-up, activation, confirmation and reset routes (bursts of 10); 0 = no limit.
    pub rate_limit_per_minute: u32,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// A request header that a trusted proxy in front of Clientele sets to the client's country
    /// (e.g. `CF-IPCountry`); recorded at sign-in. Unset: the country is not known.
    pub country_header: Option<String>,
    /// Comma-separated addresses or CIDR ranges of the proxies in front of Clientele: from them
    /// (only), `Forwarded` / `X-Forwarded-For` say who the client is, and the country header
    /// is believed. Empty: no peer is a proxy.
    pub trusted_proxies: String,
    /// The forwarding header those proxies write: `X-Forwarded-For` or `Forwarded`.
    pub forwarded_header: String,
    /// Where to serve `/metrics` without the admin token (`127.0.0.1:9464`, an address only
    /// the scraper reaches); unset: `/metrics` on the main listener, behind the admin token.
    pub metrics_listen: Option<String>,
    /// Sustained requests per minute one API key may make (bursts of a tenth of it, at least
    /// 10); 0 = no limit.
    pub api_key_rate_limit_per_minute: u32,
    /// The WebAuthn relying-party id passkeys are registered for (a domain: `example.com`);
    /// unset: the host of each tenant's web app, or of the public URL.
    pub webauthn_rp_id: Option<String>,
    /// Comma-separated origins the passkey ceremonies may run from (`https://app.example.com`);
    /// empty: each tenant's web app and the public URL.
    pub webauthn_origins: String,
    /// The settings above that have a syntax, parsed: filled by [`Settings::checked`], which
    /// loading calls. A `Settings` built by hand goes through `checked` before use.
    #[serde(skip)]
    pub parsed: Parsed,
}

/// Settings read once, on load, into the types their users take.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// `trusted_proxies`, with the `forwarded_header` they write.
    pub trusted_proxies: TrustedProxies,
    /// `default_phone_region`.
    pub default_phone_region: Option<PhoneRegion>,
    /// `country_header`.
    pub country_header: Option<HeaderName>,
}

const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "admin_token",
    "jwt_secret",
    "master_key",
    "master_key_file",
    "smtp_url",
    "smtp_timeout_secs",
    "mail_from",
    "brand_name",
    "sms_url",
    "twilio_account_sid",
    "twilio_auth_token",
    "twilio_from",
    "twilio_base_url",
    "default_phone_region",
    "bcrypt_cost",
    "public_url",
    "allowed_redirects",
    "session_ttl_secs",
    "body_limit_bytes",
    "log_format",
    "activation_ttl_secs",
    "email_change_ttl_secs",
    "reset_ttl_secs",
    "deactivation_ttl_secs",
    "code_ttl_secs",
    "code_resend_secs",
    "send_limit",
    "send_limit_window_secs",
    "reauth_max_age_secs",
    "delivery_retry_secs",
    "delivery_max_attempts",
    "webhook_timeout_secs",
    "webhook_retry_secs",
    "webhook_retry_window_secs",
    "webhook_disable_after_secs",
    "webhook_retention_days",
    "webhook_allow_http_loopback",
    "webhook_allow_private_networks",
    "rate_limit_per_minute",
    "workers",
    "country_header",
    "trusted_proxies",
    "forwarded_header",
    "api_key_rate_limit_per_minute",
    "metrics_listen",
    "webauthn_rp_id",
    "webauthn_origins",
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/clientele.db".into(),
            admin_token: None,
            jwt_secret: None,
            master_key: None,
            master_key_file: None,
            smtp_url: None,
            smtp_timeout_secs: 30,
            mail_from: "Clientele <no-reply@localhost>".into(),
            brand_name: None,
            sms_url: None,
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            twilio_base_url: "https://api.twilio.com".into(),
            default_phone_region: None,
            bcrypt_cost: 12,
            public_url: "http://127.0.0.1:8080".into(),
            allowed_redirects: String::new(),
            session_ttl_secs: 86_400,
            body_limit_bytes: 64 * 1024,
            log_format: "text".into(),
            activation_ttl_secs: 72 * 3600,
            email_change_ttl_secs: 24 * 3600,
            reset_ttl_secs: 30 * 60,
            deactivation_ttl_secs: 15 * 60,
            code_ttl_secs: 10 * 60,
            code_resend_secs: 60,
            send_limit: 5,
            send_limit_window_secs: 3600,
            reauth_max_age_secs: 15 * 60,
            delivery_retry_secs: 5,
            delivery_max_attempts: 10,
            webhook_timeout_secs: 15,
            webhook_retry_secs: 5,
            webhook_retry_window_secs: 24 * 3600,
            webhook_disable_after_secs: 3 * 24 * 3600,
            webhook_retention_days: 30,
            webhook_allow_http_loopback: false,
            webhook_allow_private_networks: false,
            rate_limit_per_minute: 30,
            workers: 0,
            country_header: None,
            trusted_proxies: String::new(),
            forwarded_header: "X-Forwarded-For".into(),
            api_key_rate_limit_per_minute: 600,
            metrics_listen: None,
            webauthn_rp_id: None,
            webauthn_origins: String::new(),
            parsed: Parsed::default(),
        }
    }
}

/// Environment variables with this prefix belong to the test kit, not to the server.
const TEST_PREFIX: &str = "CLIENTELE_TEST_";
/// Read by the command line (`--config`), not by `Settings`.
const CLI_VARIABLES: &[&str] = &["CLIENTELE_CONFIG"];

/// Settings, and what is worth a warning about them once logging is up.
#[derive(Debug)]
pub struct Loaded {
    pub settings: Settings,
    pub warnings: Vec<String>,
}

impl Settings {
    /// Defaults, then the TOML file (if given, or `clientele.toml` if present), then
    /// `CLIENTELE_*` variables. Empty variables count as unset. An unknown key in the file is an
    /// error; an unknown `CLIENTELE_*` variable a warning.
    pub fn load(file: Option<&Path>) -> Result<Loaded, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        let file = match file {
            Some(path) if !path.exists() => return Err(format!("{} does not exist", path.display())),
            Some(path) => path,
            None => Path::new("clientele.toml"),
        };
        figment = figment.merge(Toml::file(file));
        // Only known keys come from the environment, so unrelated CLIENTELE_* variables (the
        // test kit's, say) are no error; an empty variable counts as unset.
        let env = Env::prefixed("CLIENTELE_").only(KEYS).filter(|key| {
            std::env::var(format!("CLIENTELE_{}", key.as_str().to_ascii_uppercase()))
                .map_or(true, |value| !value.is_empty())
        });
        let settings: Settings = figment.merge(env).extract().map_err(|error| match &error.kind {
            Kind::UnknownField(key, _) => format!(
                "{}: unknown key `{key}`{}",
                file.display(),
                suggestion(key, KEYS.iter().copied())
                    .map_or(String::new(), |k| format!(" (did you mean `{k}`?)"))
            ),
            _ => error.to_string(),
        })?;
        let settings = settings.checked()?;
        let mut warnings = unknown_variables(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()));
        warnings.extend(settings.warnings());
        Ok(Loaded { settings, warnings })
    }

    /// Defaults, then `variables` named and written as in the environment
    /// (`CLIENTELE_CODE_TTL_SECS` = `"60"`; empty counts as unset), without reading the
    /// environment or a file: for a program that runs an `Application` of its own, such as a
    /// test. Checked, and warned about, as [`Settings::load`] does.
    pub fn from_variables<'a>(
        variables: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Loaded, String> {
        let variables: Vec<(&str, &str)> = variables.into_iter().collect();
        let mut given = figment::value::Dict::new();
        for (name, value) in &variables {
            let Some(key) = name.strip_prefix("CLIENTELE_").map(str::to_ascii_lowercase) else {
                continue;
            };
            if KEYS.contains(&key.as_str()) && !value.is_empty() {
                given.insert(key, value.parse().expect("infallible"));
            }
        }
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Serialized::defaults(given))
            .extract()
            .map_err(|error| error.to_string())?;
        let settings = settings.checked()?;
        let mut warnings = unknown_variables(variables.iter().map(|(name, _)| (*name).to_owned()));
        warnings.extend(settings.warnings());
        Ok(Loaded { settings, warnings })
    }

    /// Legal but unwise values.
    fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.bcrypt_cost < 10 {
            warnings.push(format!(
                "CLIENTELE_BCRYPT_COST is {}: below 10, passwords taken from a stolen database are \
                 cheap to guess; use 10 or more outside tests",
                self.bcrypt_cost
            ));
        }
        if self.parsed.trusted_proxies.trusts_too_wide() {
            warnings.push(
                "CLIENTELE_TRUSTED_PROXIES trusts a range wider than an IPv4 /8 or an IPv6 /32: \
                 clients in it can name themselves any address (and country), which defeats the \
                 per-client rate limit; list only the proxies' own addresses"
                    .into(),
            );
        }
        let exposed = self
            .metrics_listen
            .as_deref()
            .and_then(|address| address.parse::<std::net::SocketAddr>().ok())
            .is_some_and(|address| match address.ip() {
                std::net::IpAddr::V4(v4) => !(v4.is_loopback() || v4.is_private()),
                std::net::IpAddr::V6(v6) => !(v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00),
            });
        if exposed {
            warnings.push(
                "CLIENTELE_METRICS_LISTEN is not a loopback or private address: /metrics is served \
                 there without a token to whoever can reach it"
                    .into(),
            );
        }
        warnings
    }

    /// Refuses values out of range or of the wrong form, and parses those with a syntax into
    /// [`Settings::parsed`].
    pub fn checked(mut self) -> Result<Settings, String> {
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
        if self.master_key.is_some() && self.master_key_file.is_some() {
            return Err("set CLIENTELE_MASTER_KEY or CLIENTELE_MASTER_KEY_FILE, not both".into());
        }
        if self.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("CLIENTELE_JWT_SECRET must be at least 32 bytes".into());
        }
        for (name, value) in [
            ("SESSION_TTL_SECS", self.session_ttl_secs),
            ("ACTIVATION_TTL_SECS", self.activation_ttl_secs),
            ("EMAIL_CHANGE_TTL_SECS", self.email_change_ttl_secs),
            ("RESET_TTL_SECS", self.reset_ttl_secs),
            ("DEACTIVATION_TTL_SECS", self.deactivation_ttl_secs),
            ("CODE_TTL_SECS", self.code_ttl_secs),
            ("CODE_RESEND_SECS", self.code_resend_secs),
            ("SEND_LIMIT_WINDOW_SECS", self.send_limit_window_secs),
            ("REAUTH_MAX_AGE_SECS", self.reauth_max_age_secs),
            ("DELIVERY_RETRY_SECS", self.delivery_retry_secs),
            ("DELIVERY_MAX_ATTEMPTS", self.delivery_max_attempts),
            ("SMTP_TIMEOUT_SECS", self.smtp_timeout_secs),
            ("WEBHOOK_TIMEOUT_SECS", self.webhook_timeout_secs),
            ("WEBHOOK_RETRY_SECS", self.webhook_retry_secs),
            ("WEBHOOK_RETRY_WINDOW_SECS", self.webhook_retry_window_secs),
            ("WEBHOOK_DISABLE_AFTER_SECS", self.webhook_disable_after_secs),
            ("WEBHOOK_RETENTION_DAYS", self.webhook_retention_days),
        ] {
            if value == 0 {
                return Err(format!("CLIENTELE_{name} must be positive"));
            }
        }
        if !self.public_url.starts_with("http://") && !self.public_url.starts_with("https://") {
            return Err("CLIENTELE_PUBLIC_URL must be an http:// or https:// URL".into());
        }
        let twilio = [
            &self.twilio_account_sid,
            &self.twilio_auth_token,
            &self.twilio_from,
        ];
        if twilio.iter().any(|v| v.is_some()) && !twilio.iter().all(|v| v.is_some()) {
            return Err(
                "CLIENTELE_TWILIO_ACCOUNT_SID, CLIENTELE_TWILIO_AUTH_TOKEN and CLIENTELE_TWILIO_FROM go together"
                    .into(),
            );
        }
        if self.sms_url.is_some() && self.twilio_account_sid.is_some() {
            return Err("set CLIENTELE_SMS_URL or CLIENTELE_TWILIO_*, not both".into());
        }
        let default_phone_region = match &self.default_phone_region {
            Some(region) => Some(PhoneRegion::parse(region).ok_or_else(|| {
                format!(
                    "CLIENTELE_DEFAULT_PHONE_REGION must be a region code such as IN or US, not {region:?}"
                )
            })?),
            None => None,
        };
        let header = ForwardedHeader::parse(&self.forwarded_header)
            .ok_or("CLIENTELE_FORWARDED_HEADER must be X-Forwarded-For or Forwarded")?;
        let trusted_proxies = TrustedProxies::parse(&self.trusted_proxies, header)
            .map_err(|reason| format!("CLIENTELE_TRUSTED_PROXIES: {reason}"))?;
        let country_header = self
            .country_header
            .as_deref()
            .map(|name| HeaderName::from_bytes(name.as_bytes()))
            .transpose()
            .map_err(|_| "CLIENTELE_COUNTRY_HEADER must be a header name such as CF-IPCountry")?;
        for origin in self.webauthn_origins() {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin
                    .trim_end_matches('/')
                    .split("://")
                    .nth(1)
                    .unwrap_or("")
                    .contains('/');
            if !ok {
                return Err(format!(
                    "CLIENTELE_WEBAUTHN_ORIGINS: {origin:?} is not an origin such as https://app.example.com"
                ));
            }
        }
        self.parsed = Parsed {
            trusted_proxies,
            default_phone_region,
            country_header,
        };
        Ok(self)
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
            .field("master_key", &redacted(&self.master_key))
            .field("master_key_file", &self.master_key_file)
            .field("smtp_url", &redacted(&self.smtp_url))
            .field("sms_url", &redacted(&self.sms_url))
            .field("twilio_account_sid", &self.twilio_account_sid)
            .field("twilio_auth_token", &redacted(&self.twilio_auth_token))
            .field("default_phone_region", &self.default_phone_region)
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// `CLIENTELE_WEBAUTHN_ORIGINS` as a list.
    pub fn webauthn_origins(&self) -> Vec<String> {
        self.webauthn_origins
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect()
    }

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

/// A warning for each `CLIENTELE_*` variable name that Clientele does not read, naming the
/// nearest one it does (`CLIENTELE_SMTP_ULR` → `CLIENTELE_SMTP_URL`).
fn unknown_variables(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let known: Vec<String> = KEYS
        .iter()
        .map(|k| format!("CLIENTELE_{}", k.to_ascii_uppercase()))
        .chain(CLI_VARIABLES.iter().map(|v| (*v).to_owned()))
        .collect();
    let mut unknown: Vec<String> = names
        .into_iter()
        .filter(|n| n.starts_with("CLIENTELE_") && !n.starts_with(TEST_PREFIX))
        .filter(|n| !known.contains(n))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(|name| match suggestion(&name, known.iter().map(String::as_str)) {
            Some(near) => format!("{name} is not a Clientele setting and is ignored: did you mean {near}?"),
            None => format!("{name} is not a Clientele setting and is ignored"),
        })
        .collect()
}

/// The candidate nearest to `word` by edit distance, if near enough to be a likely typo.
fn suggestion<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let (distance, nearest) = candidates
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .min_by_key(|(d, _)| *d)?;
    (distance <= 3.max(word.len() / 3)).then_some(nearest)
}

/// Levenshtein distance: insertions, deletions and substitutions of one character each.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
