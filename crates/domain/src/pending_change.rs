//! What a flow keeps until its secret confirms it: typed here, stored by the adapters in the
//! form each purpose has always had.

use serde::{Deserialize, Serialize};

/// The change confirming a flow applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingChange {
    /// An email change: the address the key went to, as the customer typed it.
    NewAddress(String),
    /// A TSS profile edit held until a code texted to its number confirms it.
    HeldEdit(HeldEdit),
    /// A sign-in proven with the password, waiting for its second factor.
    SignIn(HeldSignIn),
    /// An authenticator app waiting for its first code.
    Enrolment(PendingFactor),
}

/// A factor as its enrolment keeps it until it is confirmed: an authenticator app until its
/// first code, a passkey until the authenticator's response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingFactor {
    pub name: String,
    /// The app's shared secret, or the passkey ceremony's state, sealed.
    pub sealed: String,
    #[serde(default)]
    pub kind: PendingKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingKind {
    #[default]
    Totp,
    Webauthn,
}

/// A TSS profile edit as its flow keeps it (valid when held; read back as such).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldEdit {
    pub firstname: String,
    pub lastname: String,
    pub gender: String,
    pub birthdate: Option<time::Date>,
    /// E.164.
    pub telephone: String,
    pub email: Option<String>,
    /// The two-factor switch as the edit wants it.
    pub two_factor: bool,
}

/// A sign-in challenge as its flow keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldSignIn {
    /// A keyed digest of the password hash the sign-in was proven against (never the hash
    /// itself): a password changed meanwhile voids the challenge.
    pub password: String,
    pub country: Option<String>,
    /// The passkey ceremony's state, when the account has a passkey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<String>,
}
