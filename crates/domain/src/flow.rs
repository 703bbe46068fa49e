//! One state machine for every emailed or texted secret:
//! `pending → (confirmed | expired | locked | cancelled)`.
//!
//! A secret is random, stored only as a keyed digest, bound to its account, tenant and purpose;
//! it expires, works once, and locks its flow after too many wrong tries. Asking again replaces
//! the secret of the open flow but keeps its count of wrong tries.

use std::fmt;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::account::AccountUuid;
use crate::pending_change::PendingChange;
use crate::tenant::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowId(pub Uuid);

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    Activation,
    EmailChange,
    PasswordReset,
    Deactivation,
    PhoneChange,
    SecondFactor,
    /// An authenticator app waiting for its first code. Nothing is sent: the secret the
    /// flow's digest names is never shown, the app's secret is sealed in the pending change.
    FactorEnrolment,
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &[u8] = b"0123456789";

impl Purpose {
    pub const ALL: [Purpose; 7] = [
        Purpose::Activation,
        Purpose::EmailChange,
        Purpose::PasswordReset,
        Purpose::Deactivation,
        Purpose::PhoneChange,
        Purpose::SecondFactor,
        Purpose::FactorEnrolment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Activation => "activation",
            Purpose::EmailChange => "email_change",
            Purpose::PasswordReset => "password_reset",
            Purpose::Deactivation => "deactivation",
            Purpose::PhoneChange => "phone_change",
            Purpose::SecondFactor => "second_factor",
            Purpose::FactorEnrolment => "factor_enrolment",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    /// The secret's alphabet and length, as the seeds show them: activation secret
    /// `MBMRDTVTD5`, email key `J32NA974R4F7N1HB`, reset code `8KY0CX0LAR`, numeric codes for
    /// deactivation and SMS.
    pub fn secret_shape(self) -> (&'static [u8], usize) {
        match self {
            Purpose::Activation | Purpose::PasswordReset => (UPPER_ALNUM, 10),
            Purpose::EmailChange | Purpose::FactorEnrolment => (UPPER_ALNUM, 16),
            Purpose::Deactivation | Purpose::PhoneChange | Purpose::SecondFactor => (DIGITS, 6),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStatus {
    Pending,
    Confirmed,
    Expired,
    Locked,
    Cancelled,
}

impl FlowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowStatus::Pending => "pending",
            FlowStatus::Confirmed => "confirmed",
            FlowStatus::Expired => "expired",
            FlowStatus::Locked => "locked",
            FlowStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => FlowStatus::Pending,
            "confirmed" => FlowStatus::Confirmed,
            "expired" => FlowStatus::Expired,
            "locked" => FlowStatus::Locked,
            "cancelled" => FlowStatus::Cancelled,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub id: FlowId,
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub purpose: Purpose,
    pub channel: Channel,
    /// Where the secret was sent (an address or phone number).
    pub target: String,
    /// Keyed digest of the secret; the secret itself is never stored.
    pub secret_digest: String,
    pub status: FlowStatus,
    /// Tries so far, right or wrong: counted before each check.
    pub attempts: i32,
    pub max_attempts: i32,
    /// The change confirming applies (the new address of an email change, a held edit, a
    /// sign-in waiting for its second factor).
    pub pending_change: Option<PendingChange>,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// How many times a secret of this flow was sent (a replace sends another), and when last.
    pub sent: i32,
    pub sent_at: OffsetDateTime,
    /// Changes with every replace, consume or cancel (not with a counted try, nor with the lock
    /// the last try brings): a write decided on what was read earlier names it, so it fails if
    /// the flow moved meanwhile.
    pub version: i64,
}

impl Flow {
    /// The write that confirms this flow as read (see [`FlowWrite::Consume`]).
    pub fn consume(&self) -> FlowWrite {
        FlowWrite::Consume {
            tenant: self.tenant.clone(),
            id: self.id,
            version: self.version,
        }
    }
}

/// Lifetimes and limits of flows.
#[derive(Debug, Clone)]
pub struct FlowSettings {
    pub activation_ttl: Duration,
    pub email_change_ttl: Duration,
    pub reset_ttl: Duration,
    pub deactivation_ttl: Duration,
    pub code_ttl: Duration,
    /// A code procedure asked for again sooner than this answers the same flow and sends
    /// nothing, so that asking is no way to flood a mailbox or a phone.
    pub resend_after: Duration,
    pub max_attempts: i32,
    /// How many messages one recipient (address or number) may be sent per window by the
    /// routes that anyone can make send one; `None`: no limit.
    pub send_limit: Option<SendLimit>,
    /// Sensitive changes (email, closing, two-factor off, password) need a session signed in
    /// at most this long ago.
    pub reauth_max_age: Duration,
}

/// At most `max` messages to one recipient within `window`, counted in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimit {
    pub max: u32,
    pub window: Duration,
}

impl SendLimit {
    /// When the window of a commit at `now` began: messages created since count.
    pub fn window_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        now - self.window
    }

    /// Whether `sending` more messages may go to a recipient already sent `already` within the
    /// window.
    pub fn allows(&self, already: u64, sending: u64) -> bool {
        already + sending <= u64::from(self.max)
    }
}

/// A recipient as the send limit counts it: one mailbox (or number) whatever the case of its
/// letters and the spaces around it.
pub fn recipient_key(recipient: &str) -> String {
    recipient.trim().to_lowercase()
}

/// Which budget a limited message draws on. Each recipient has one per class, so that what
/// anyone can trigger (a sign-up notice to an address that has an account) cannot use up the
/// budget of what the customer asks for (a reset code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SendClass {
    /// Secrets anyone can have sent (an activation mailed again, a reset code).
    Secret,
    /// Codes and keys a signed-in customer asks for (closing the account, a two-factor change,
    /// an email change with its notice to the old address): anonymous requests cannot use
    /// them up.
    SignedInCode,
    /// "You already have an account" to an address someone signed up with.
    SignUpNotice,
    /// The texted code of a two-factor sign-in.
    SignInCode,
}

impl SendClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SendClass::Secret => "secret",
            SendClass::SignedInCode => "signed_in_code",
            SendClass::SignUpNotice => "signup_notice",
            SendClass::SignInCode => "sign_in_code",
        }
    }
}

impl Default for FlowSettings {
    fn default() -> Self {
        FlowSettings {
            activation_ttl: Duration::hours(72),
            email_change_ttl: Duration::hours(24),
            reset_ttl: Duration::minutes(30),
            deactivation_ttl: Duration::minutes(15),
            code_ttl: Duration::minutes(10),
            resend_after: Duration::seconds(60),
            max_attempts: 5,
            send_limit: Some(SendLimit {
                max: 5,
                window: Duration::hours(1),
            }),
            reauth_max_age: Duration::minutes(15),
        }
    }
}

impl FlowSettings {
    pub fn ttl(&self, purpose: Purpose) -> Duration {
        match purpose {
            Purpose::Activation => self.activation_ttl,
            Purpose::EmailChange => self.email_change_ttl,
            Purpose::PasswordReset => self.reset_ttl,
            Purpose::Deactivation => self.deactivation_ttl,
            Purpose::PhoneChange | Purpose::SecondFactor | Purpose::FactorEnrolment => self.code_ttl,
        }
    }
}

/// How a flow is written as part of a commit.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowWrite {
    /// A new flow. At most one flow per account and purpose is open (pending or locked).
    Insert(Flow),
    /// New secret, expiry, target and pending change for a flow still pending at `version`
    /// (the count of tries is kept). Fails with `FlowChanged` otherwise.
    Replace(Flow),
    /// Open → confirmed, if the flow is still at `version` (a counted try may have locked it:
    /// the last allowed try, when right, still confirms). Fails with `FlowChanged` otherwise:
    /// this is what makes a secret work exactly once, and a replaced secret not at all.
    Consume {
        tenant: TenantId,
        id: FlowId,
        version: i64,
    },
    /// Open → cancelled (a newer flow takes its place).
    Cancel { tenant: TenantId, id: FlowId },
    /// Open → cancelled at the customer's word, if the flow is still at `version`: fails with
    /// `FlowChanged` if its secret was used (or the flow replaced or ended) meanwhile, so a
    /// withdrawal is never told for a change that went through.
    Withdraw {
        tenant: TenantId,
        id: FlowId,
        version: i64,
    },
    /// Every open flow of the account but those in `except` → cancelled, whatever opened them
    /// up to the commit: what a lifecycle transition ends (see `crate::lifecycle`), so that no
    /// secret outlives the state it was issued for. `except` holds the flow the transition
    /// completes and any the same commit opens or re-issues.
    CancelAllOpen {
        tenant: TenantId,
        account: AccountUuid,
        except: Vec<FlowId>,
    },
}

pub use crate::refusal::Refusal;

/// What to do about the open flow when a new secret is requested.
#[derive(Debug, Clone, PartialEq)]
pub enum Reissue {
    /// Replace the secret of this flow (same id, tries kept).
    Replace(Box<Flow>),
    /// Start a new flow, cancelling this one if given.
    Fresh(Option<FlowId>),
    /// The open flow is locked and not yet expired: no new secret until it expires.
    Refused,
}

/// Decides how a request for a new secret treats the open flow, if any.
pub fn reissue(open: Option<&Flow>, now: OffsetDateTime) -> Reissue {
    match open {
        None => Reissue::Fresh(None),
        Some(flow) if flow.status == FlowStatus::Locked && flow.expires_at > now => Reissue::Refused,
        Some(flow) if flow.status == FlowStatus::Pending && flow.expires_at > now => {
            Reissue::Replace(Box::new(flow.clone()))
        }
        Some(flow) => Reissue::Fresh(Some(flow.id)),
    }
}

/// Why an attempt could not be counted, judged from the flow as it is now.
pub fn refusal_of(flow: Option<&Flow>, now: OffsetDateTime) -> Refusal {
    match flow {
        Some(f) if f.status == FlowStatus::Locked => Refusal::Locked,
        Some(f) if f.status == FlowStatus::Pending && f.attempts >= f.max_attempts => Refusal::Locked,
        Some(f) if f.status == FlowStatus::Pending && f.expires_at <= now => Refusal::Expired,
        Some(f) if f.status == FlowStatus::Expired => Refusal::Expired,
        _ => Refusal::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

    fn flow(status: FlowStatus, attempts: i32, expires_in: Duration) -> Flow {
        Flow {
            id: FlowId(Uuid::from_u128(1)),
            tenant: TenantId::default_tenant(),
            account: AccountUuid(Uuid::from_u128(2)),
            purpose: Purpose::PasswordReset,
            channel: Channel::Email,
            target: "a@b.co".into(),
            secret_digest: "d".into(),
            status,
            attempts,
            max_attempts: 5,
            pending_change: None,
            expires_at: NOW + expires_in,
            created_at: NOW,
            updated_at: NOW,
            sent: 1,
            sent_at: NOW,
            version: 0,
        }
    }

    #[test]
    fn asking_again_replaces_a_live_secret_and_waits_out_a_lock() {
        assert_eq!(reissue(None, NOW), Reissue::Fresh(None));
        let live = flow(FlowStatus::Pending, 3, Duration::minutes(5));
        assert_eq!(
            reissue(Some(&live), NOW),
            Reissue::Replace(Box::new(live.clone()))
        );
        let locked = flow(FlowStatus::Locked, 5, Duration::minutes(5));
        assert_eq!(reissue(Some(&locked), NOW), Reissue::Refused);
        let locked_expired = flow(FlowStatus::Locked, 5, Duration::minutes(-1));
        assert_eq!(
            reissue(Some(&locked_expired), NOW),
            Reissue::Fresh(Some(locked_expired.id))
        );
        let stale = flow(FlowStatus::Pending, 0, Duration::minutes(-1));
        assert_eq!(reissue(Some(&stale), NOW), Reissue::Fresh(Some(stale.id)));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(refusal_of(None, NOW), Refusal::Invalid);
        assert_eq!(
            refusal_of(Some(&flow(FlowStatus::Locked, 5, Duration::hours(1))), NOW),
            Refusal::Locked
        );
        assert_eq!(
            refusal_of(Some(&flow(FlowStatus::Pending, 5, Duration::hours(1))), NOW),
            Refusal::Locked
        );
        assert_eq!(
            refusal_of(Some(&flow(FlowStatus::Pending, 1, Duration::hours(-1))), NOW),
            Refusal::Expired
        );
        assert_eq!(
            refusal_of(Some(&flow(FlowStatus::Confirmed, 1, Duration::hours(1))), NOW),
            Refusal::Invalid
        );
    }

    #[test]
    fn secret_shapes_match_the_seeds() {
        assert_eq!(Purpose::Activation.secret_shape().1, "MBMRDTVTD5".len());
        assert_eq!(Purpose::EmailChange.secret_shape().1, "J32NA974R4F7N1HB".len());
        assert_eq!(Purpose::PasswordReset.secret_shape().1, "8KY0CX0LAR".len());
        for p in [
            "activation",
            "email_change",
            "password_reset",
            "deactivation",
            "phone_change",
            "second_factor",
        ] {
            assert_eq!(Purpose::parse(p).unwrap().as_str(), p);
        }
    }

    #[test]
    fn the_send_limit_counts_one_mailbox_whatever_its_case_and_the_commits_own() {
        let limit = SendLimit {
            max: 3,
            window: Duration::hours(1),
        };
        assert!(limit.allows(0, 3) && limit.allows(2, 1));
        assert!(!limit.allows(3, 1) && !limit.allows(2, 2));
        assert_eq!(limit.window_start(NOW), NOW - Duration::hours(1));
        assert_eq!(
            recipient_key(" Ann@Example.COM "),
            recipient_key("ann@example.com")
        );
        assert_eq!(
            recipient_key("ÄNN@example.com"),
            "änn@example.com",
            "beyond ASCII too"
        );
    }
}
