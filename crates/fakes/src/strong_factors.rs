//! Strong factors' ports: an authenticator app whose code never changes (for tests that need an
//! app's answer without computing RFC 6238 codes), and passkeys switched off.

use clientele_domain::ports::{
    AppEnrolment, AuthenticatorApps, Ceremony, PasskeyError, Passkeys, RelyingParty, StoredPasskey,
};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// Every secret's code is [`FixedCodeApp::CODE`], of time step [`FixedCodeApp::STEP`].
#[derive(Debug, Default, Clone, Copy)]
pub struct FixedCodeApp;

impl FixedCodeApp {
    pub const CODE: &'static str = "123456";
    pub const STEP: u64 = 7;
}

impl AuthenticatorApps for FixedCodeApp {
    fn new_secret(&self) -> String {
        "APPSECRET".into()
    }

    fn enrolment(&self, secret: &str, issuer: &str, account: &str) -> AppEnrolment {
        AppEnrolment {
            uri: format!("otpauth://totp/{issuer}:{account}?secret={secret}"),
            qr_svg: String::new(),
        }
    }

    fn step_of(&self, _secret: &str, code: &str, _now: OffsetDateTime) -> Option<u64> {
        (code == Self::CODE).then_some(Self::STEP)
    }
}

/// Passkeys switched off: every ceremony is `NotConfigured`, as on an instance with no
/// relying-party domain.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPasskeys;

fn off<T>() -> Result<T, PasskeyError> {
    Err(PasskeyError::NotConfigured(
        "no passkeys in this embedding".into(),
    ))
}

impl Passkeys for NoPasskeys {
    fn start_registration(
        &self,
        _: &RelyingParty,
        _: Uuid,
        _: &str,
        _: &str,
        _: &[StoredPasskey],
    ) -> Result<Ceremony, PasskeyError> {
        off()
    }

    fn finish_registration(
        &self,
        _: &RelyingParty,
        _: &Value,
        _: &str,
    ) -> Result<StoredPasskey, PasskeyError> {
        off()
    }

    fn start_authentication(&self, _: &RelyingParty, _: &[StoredPasskey]) -> Result<Ceremony, PasskeyError> {
        off()
    }

    fn finish_authentication(
        &self,
        _: &RelyingParty,
        _: &Value,
        _: &str,
        _: &[StoredPasskey],
    ) -> Result<StoredPasskey, PasskeyError> {
        off()
    }

    fn start_discoverable(&self, _: &RelyingParty) -> Result<Ceremony, PasskeyError> {
        off()
    }

    fn identify(&self, _: &Value) -> Result<(Uuid, String), PasskeyError> {
        off()
    }

    fn finish_discoverable(
        &self,
        _: &RelyingParty,
        _: &Value,
        _: &str,
        _: &StoredPasskey,
    ) -> Result<StoredPasskey, PasskeyError> {
        off()
    }
}
