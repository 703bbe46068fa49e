use std::collections::BTreeMap;

/// Validation failures keyed by the domain's field name (`first_name`, `birthday`, …).
/// Each surface renames the keys to its own field names before answering.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was recorded, otherwise the recorded errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Renames every key with `rename`; keys it does not know are kept.
    pub fn renamed(self, rename: impl Fn(&str) -> Option<&'static str>) -> FieldErrors {
        let mut out = FieldErrors::new();
        for (field, messages) in self.0 {
            let key = rename(&field).map(str::to_owned).unwrap_or(field);
            out.0.entry(key).or_default().extend(messages);
        }
        out
    }
}

/// What a use case can answer besides success. Adapters at the edge map each variant to their
/// surface's status codes; nothing here is specific to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The input broke a rule; nothing was changed.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// Credentials or token missing, wrong, expired or revoked. Deliberately says no more.
    #[error("authentication failed")]
    Unauthenticated,
    /// A sensitive change (email, closing, two-factor off, password) needs a sign-in more
    /// recent than the session in hand: sign in again, then retry.
    #[error("a recent sign-in is needed")]
    SignInAgain,
    #[error("not found")]
    NotFound,
    /// The change collides with existing state (an address in use, a lost race).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Asked again sooner than a new code may be sent; retry after this many seconds.
    #[error("too soon")]
    TooSoon(u64),
    /// The recipient was sent as many messages as the send limit allows; retry after at most
    /// this many seconds.
    #[error("send limit reached")]
    SendLimited(u64),
    /// The caller made the change conditional on the account's version it last read (an HTTP
    /// `If-Match`), and the account has changed since: nothing was changed.
    #[error("the account changed since it was read")]
    PreconditionFailed,
    /// Values another account holds (a phone number, an address), by field; nothing was
    /// changed.
    #[error("taken")]
    Taken(FieldErrors),
    /// An emailed or texted secret was not accepted, and why.
    #[error("secret refused: {0:?}")]
    SecretRefused(crate::refusal::Refusal),
    /// A dependency (database, hasher) failed; the request may be retried.
    #[error("temporarily unavailable")]
    Unavailable(String),
    /// The service is at capacity (every password-hashing slot taken): nothing was done or
    /// counted; retry in a moment. Expected under load, so not an error of the service.
    #[error("at capacity")]
    Overloaded,
}

impl From<FieldErrors> for DomainError {
    fn from(errors: FieldErrors) -> Self {
        DomainError::Invalid(errors)
    }
}
