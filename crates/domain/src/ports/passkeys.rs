use serde_json::Value;
use uuid::Uuid;

/// Who the passkeys are for: the relying party's id (a domain), its name, and the origins a
/// browser or app may run the ceremony from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub name: String,
    pub origins: Vec<String>,
}

/// A ceremony's first half: the options for the browser or app (WebAuthn Level 3 JSON, as
/// `{"publicKey": …}`), and the state its second half needs (kept sealed meanwhile).
#[derive(Debug, Clone, PartialEq)]
pub struct Ceremony {
    pub options: Value,
    pub state: String,
}

/// A credential as the relying party keeps it: its id (base64url) and its public key and sign
/// counter, in the adapter's own form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    pub credential_id: String,
    pub passkey: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyError {
    /// The response does not prove what it must (a wrong or unreadable response, another
    /// origin or challenge, no user verification, an unknown credential).
    #[error("the passkey's response was refused: {0}")]
    Refused(String),
    /// A valid signature whose sign counter did not move forward: a cloned authenticator.
    #[error("the authenticator's sign counter went backwards")]
    CounterWentBack,
    /// Passkeys cannot be used here (no relying party id a browser would accept).
    #[error("passkeys are not configured: {0}")]
    NotConfigured(String),
}

/// WebAuthn as a relying party: registering passkeys and security keys, and checking their
/// assertions, with or without a known account.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait Passkeys: Send + Sync {
    /// Options to create a credential for `user` (never one of `existing`); resident keys
    /// preferred, user verification required.
    fn start_registration(
        &self,
        party: &RelyingParty,
        user: Uuid,
        name: &str,
        display_name: &str,
        existing: &[StoredPasskey],
    ) -> Result<Ceremony, PasskeyError>;

    fn finish_registration(
        &self,
        party: &RelyingParty,
        response: &Value,
        state: &str,
    ) -> Result<StoredPasskey, PasskeyError>;

    /// Options to sign in with one of `passkeys` (the account is known).
    fn start_authentication(
        &self,
        party: &RelyingParty,
        passkeys: &[StoredPasskey],
    ) -> Result<Ceremony, PasskeyError>;

    /// The credential of `passkeys` that signed, as it is to be kept now (its counter moved).
    fn finish_authentication(
        &self,
        party: &RelyingParty,
        response: &Value,
        state: &str,
        passkeys: &[StoredPasskey],
    ) -> Result<StoredPasskey, PasskeyError>;

    /// Options to sign in with whatever passkey the authenticator holds for this party.
    fn start_discoverable(&self, party: &RelyingParty) -> Result<Ceremony, PasskeyError>;

    /// The user handle (the account's UUID) and credential id a discoverable response names,
    /// before anything is checked.
    fn identify(&self, response: &Value) -> Result<(Uuid, String), PasskeyError>;

    /// Checks a discoverable response against the credential `passkey` it named: the
    /// credential as it is to be kept now.
    fn finish_discoverable(
        &self,
        party: &RelyingParty,
        response: &Value,
        state: &str,
        passkey: &StoredPasskey,
    ) -> Result<StoredPasskey, PasskeyError>;
}
