//! Authenticator apps' codes (RFC 6238) through `totp-rs`, and their enrolment QR code.

use clientele_domain::ports::{AppEnrolment, AuthenticatorApps};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngExt;
use time::OffsetDateTime;
use totp_rs::{Builder, Secret};

/// What a label or parameter of an `otpauth` URI may hold unescaped (RFC 3986 unreserved).
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// SHA-1, six digits, 30 seconds: what every app reads, and what the URI says.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rfc6238;

impl AuthenticatorApps for Rfc6238 {
    fn new_secret(&self) -> String {
        let mut bytes = [0u8; 20];
        rand::rng().fill(&mut bytes[..]);
        Secret::from(bytes).to_base32()
    }

    fn enrolment(&self, secret: &str, issuer: &str, account: &str) -> AppEnrolment {
        // A colon separates issuer and account in the label: none may stand inside either.
        let issuer = issuer.replace(':', " ");
        let account = account.replace(':', " ");
        let escape = |text: &str| utf8_percent_encode(text, ESCAPED).to_string();
        let uri = format!(
            "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
            escape(&issuer),
            escape(&account),
            escape(&issuer),
        );
        let qr_svg = QrCode::new(uri.as_bytes())
            .map(|code| {
                code.render::<svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default();
        AppEnrolment { uri, qr_svg }
    }

    fn step_of(&self, secret: &str, code: &str, now: OffsetDateTime) -> Option<u64> {
        let secret = Secret::try_from_base32(secret).ok()?;
        let totp = Builder::new().with_secret(secret).build().ok()?;
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        totp.check(code, u64::try_from(now.unix_timestamp()).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 key, in base32.
    const RFC_KEY: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_vectors_and_the_steps_either_side() {
        let apps = Rfc6238;
        let at = |unix: i64| OffsetDateTime::from_unix_timestamp(unix).unwrap();
        // T = 59 → 94287082 (eight digits); six digits are its last six.
        assert_eq!(apps.step_of(RFC_KEY, "287082", at(59)), Some(1));
        assert_eq!(apps.step_of(RFC_KEY, "287082", at(89)), Some(1), "one step late");
        assert_eq!(apps.step_of(RFC_KEY, "287082", at(29)), Some(1), "one step early");
        assert_eq!(apps.step_of(RFC_KEY, "287082", at(120)), None, "two steps late");
        assert_eq!(apps.step_of(RFC_KEY, "287083", at(59)), None);
        assert_eq!(apps.step_of(RFC_KEY, "28708", at(59)), None);
        assert_eq!(apps.step_of("not base32!", "287082", at(59)), None);
    }

    #[test]
    fn enrolment_names_issuer_and_account_and_draws_the_uri() {
        let apps = Rfc6238;
        let secret = apps.new_secret();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        assert_ne!(secret, apps.new_secret());
        let enrolment = apps.enrolment(&secret, "Acme Shop", "ann+x@example.com");
        assert_eq!(
            enrolment.uri,
            format!(
                "otpauth://totp/Acme%20Shop:ann%2Bx%40example.com?secret={secret}&issuer=Acme%20Shop&algorithm=SHA1&digits=6&period=30"
            )
        );
        assert!(enrolment.qr_svg.starts_with("<?xml") && enrolment.qr_svg.contains("<svg"));
    }
}
