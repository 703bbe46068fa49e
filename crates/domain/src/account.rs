use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::factors::Factors;
use crate::profile::Profile;
use crate::sign_in_throttle::SignInThrottle;
use crate::tenant::TenantId;
use crate::values::{Email, PasswordHash};

/// The account's UUID: stable, global, what tokens carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountUuid(pub Uuid);

impl fmt::Display for AccountUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The account's numeric id, unique in its tenant, for surfaces that expose a number
/// (`58937470420006`). Random rather than sequential so that ids do not reveal how many
/// customers there are or let anyone walk them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicId(pub i64);

impl PublicId {
    /// 14 digits, as the Customer area shows, and well inside JSON's exact integer range.
    pub const MIN: i64 = 10_000_000_000_000;
    pub const MAX: i64 = 99_999_999_999_999;
}

impl fmt::Display for PublicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    PendingActivation,
    Active,
    DeactivationRequested,
    /// Closed; personal data kept (an admin may reactivate) or waiting for a deletion decision.
    Deactivated,
    /// Closed and every personal field gone; the account's ids, timestamps and audit trail stay.
    Erased,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::PendingActivation => "pending_activation",
            AccountStatus::Active => "active",
            AccountStatus::DeactivationRequested => "deactivation_requested",
            AccountStatus::Deactivated => "deactivated",
            AccountStatus::Erased => "erased",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending_activation" => AccountStatus::PendingActivation,
            "active" => AccountStatus::Active,
            "deactivation_requested" => AccountStatus::DeactivationRequested,
            "deactivated" => AccountStatus::Deactivated,
            "erased" => AccountStatus::Erased,
            _ => return None,
        })
    }

    /// Whether the account is closed (its data kept or erased).
    pub fn is_closed(self) -> bool {
        matches!(self, AccountStatus::Deactivated | AccountStatus::Erased)
    }

    /// Whether the customer may sign in and use their token.
    pub fn may_sign_in(self) -> bool {
        matches!(self, AccountStatus::Active | AccountStatus::DeactivationRequested)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub uuid: AccountUuid,
    pub public_id: PublicId,
    pub tenant: TenantId,
    pub status: AccountStatus,
    pub email: Option<Email>,
    pub email_confirmed: bool,
    /// A placeholder address the customer may still replace (TSS "temporary email").
    pub email_temporary: bool,
    pub password_hash: Option<PasswordHash>,
    pub two_factor: bool,
    /// Authenticator apps and recovery codes (see [`Factors`]).
    pub factors: Factors,
    /// The id an earlier system gave the customer (kept on import, searchable in the back
    /// office); unique within the tenant.
    pub external_id: Option<String>,
    pub profile: Profile,
    pub sign_in: SignInThrottle,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Optimistic concurrency: every stored change increments it; a write based on an older
    /// version loses.
    pub version: i64,
}

impl Account {
    /// The address the customer gave: none once erased (the placeholder is no one's).
    pub fn customer_email(&self) -> Option<&Email> {
        match self.status {
            AccountStatus::Erased => None,
            _ => self.email.as_ref(),
        }
    }

    /// With two-factor on, the phone number is the second factor: only a texted code changes
    /// it (TSS `/api/user/profile/2fa`). Whether `next` keeps it, as a field error on `field`.
    pub fn keeps_second_factor(&self, next: &Profile, field: &str) -> Result<(), crate::error::FieldErrors> {
        if self.two_factor && self.profile.phone != next.phone {
            return Err(crate::error::FieldErrors::single(
                field,
                "is the account's second factor while two-factor is on: change it with a texted code",
            ));
        }
        Ok(())
    }

    /// The address the customer proved is theirs (confirmed, not a placeholder): the only one
    /// notices go to.
    pub fn confirmed_email(&self) -> Option<&Email> {
        self.customer_email()
            .filter(|_| self.email_confirmed && !self.email_temporary)
    }

    /// The name a message to `recipient` greets the customer by: the first name, but only
    /// when `recipient` is the account's own confirmed address; "" (a greeting without a name)
    /// otherwise. A mail to an address nobody has proven to own (an activation, a new
    /// address's key) must carry no text that whoever typed the address chose.
    pub fn greeting_for(&self, recipient: &str) -> String {
        let verified = self
            .confirmed_email()
            .is_some_and(|own| own.as_str().eq_ignore_ascii_case(recipient.trim()));
        if !verified {
            return String::new();
        }
        self.profile
            .first_name
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The email address as the customer wrote it, or "" when there is none.
    pub fn address(&self) -> String {
        self.customer_email()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default()
    }
}

/// The domain that stands in for an erased account's address: `.invalid` is reserved (RFC 2606)
/// and never resolves, so nothing can be delivered there.
pub const ERASED_EMAIL_DOMAIN: &str = "erased.invalid";

/// The address an erased account keeps: unique to it, deliverable nowhere, and no one's, so the
/// customer's own address is free for a new account.
pub fn erased_placeholder(uuid: AccountUuid) -> Email {
    Email::from_stored(format!("{}@{ERASED_EMAIL_DOMAIN}", uuid.0.simple()))
}

/// What it takes to open an account; ids and timestamps are the use case's to assign.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub tenant: TenantId,
    pub status: AccountStatus,
    pub email: Email,
    pub email_confirmed: bool,
    pub password_hash: Option<PasswordHash>,
    pub profile: Profile,
    pub external_id: Option<String>,
}

/// Longest id an earlier system may have given a customer.
pub const EXTERNAL_ID_MAX: usize = 128;

/// An earlier system's id for a customer, as kept: trimmed, 1 to [`EXTERNAL_ID_MAX`]
/// characters, no control characters.
pub fn external_id(raw: &str) -> Result<String, String> {
    let id = raw.trim();
    if id.is_empty() || id.chars().count() > EXTERNAL_ID_MAX || id.chars().any(char::is_control) {
        return Err(format!(
            "must be 1-{EXTERNAL_ID_MAX} characters without control characters"
        ));
    }
    Ok(id.to_owned())
}

/// Longest derived username.
const USERNAME_LEN: usize = 30;

/// A username derived from an address: its local part (without a `+` subaddress), lower-cased, keeping `a-z`, `0-9`, `.`,
/// `_` and `-` (`user` when nothing is left), at most 30 characters; with `suffix`, followed by
/// `_` and the suffix (for a first choice that is taken).
pub fn username_from(email: &Email, suffix: Option<i64>) -> String {
    // Without a subaddress (`ann+shop@…` → `ann`): it says where the address was given, not who.
    let local = email.normalized().split(['@', '+']).next().unwrap_or_default();
    let mut name: String = local
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        .take(USERNAME_LEN)
        .collect();
    if name.is_empty() {
        name = "user".into();
    }
    match suffix {
        Some(suffix) => format!("{name}_{suffix}"),
        None => name,
    }
}

impl NewAccount {
    /// The account, with a username derived from its address unless the profile names one:
    /// the local part on a first `attempt`, the local part and `public_id` after (unique in the
    /// tenant, as the id is).
    pub fn into_account(
        self,
        uuid: AccountUuid,
        public_id: PublicId,
        now: OffsetDateTime,
        attempt: usize,
    ) -> Account {
        let mut profile = self.profile;
        if profile.username.is_none() {
            let suffix = (attempt > 0).then_some(public_id.0);
            profile.username = Some(username_from(&self.email, suffix));
        }
        Account {
            uuid,
            public_id,
            tenant: self.tenant,
            status: self.status,
            email: Some(self.email),
            email_confirmed: self.email_confirmed,
            email_temporary: false,
            password_hash: self.password_hash,
            two_factor: false,
            factors: Factors::default(),
            external_id: self.external_id,
            profile,
            sign_in: SignInThrottle::default(),
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }
}

#[cfg(test)]
mod username_tests {
    use super::*;

    #[test]
    fn usernames_come_from_the_local_part() {
        let email = |raw: &str| Email::parse(raw).unwrap();
        assert_eq!(
            username_from(&email("John.Doe+shop@Example.com"), None),
            "john.doe"
        );
        assert_eq!(username_from(&email("ann@example.com"), Some(42)), "ann_42");
        assert_eq!(username_from(&email("+shop@example.com"), None), "user");
        assert_eq!(
            username_from(&email(&format!("{}@example.com", "x".repeat(60))), None).len(),
            30
        );
    }
}
