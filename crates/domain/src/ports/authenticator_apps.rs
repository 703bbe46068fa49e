use time::OffsetDateTime;

/// What an authenticator app is enrolled with: the URI it scans and that URI as a QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppEnrolment {
    /// `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
    pub uri: String,
    /// The URI as an SVG image.
    pub qr_svg: String,
}

/// Time-based one-time codes (RFC 6238: SHA-1, six digits, 30-second steps), as authenticator
/// apps compute them.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait AuthenticatorApps: Send + Sync {
    /// A new shared secret of 160 random bits, in base32 without padding.
    fn new_secret(&self) -> String;
    /// How an app enrols `secret` for `account` (an address) under `issuer` (the tenant's name).
    fn enrolment(&self, secret: &str, issuer: &str, account: &str) -> AppEnrolment;
    /// The time step whose code `code` is, among the step of `now` and the one either side
    /// (a clock a little off); `None` for a wrong code or an unreadable secret. Compared in
    /// constant time.
    fn step_of(&self, secret: &str, code: &str, now: OffsetDateTime) -> Option<u64>;
}
