//! The audit trail: what happened to an account, who did it (the customer, the back office, a
//! tenant's app), when, and under which request — never a secret, a password or personal data,
//! so entries outlive the erasure of the account they name.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::account::AccountUuid;
use crate::tenant::TenantId;

macro_rules! names {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    /// What happened. Kinds will be added (factors, sessions): code outside this crate matches
    /// with a fallback, or lists them through `ALL`.
    #[non_exhaustive]
    AuditKind {
        SignInSucceeded => "sign_in_succeeded",
        SignInFailed => "sign_in_failed",
        SignInLocked => "sign_in_locked",
        Activated => "activated",
        EmailChanged => "email_changed",
        PasswordReset => "password_reset",
        PasswordChanged => "password_changed",
        PhoneChanged => "phone_changed",
        TwoFactorEnabled => "two_factor_enabled",
        TwoFactorDisabled => "two_factor_disabled",
        FactorAdded => "factor_added",
        FactorRemoved => "factor_removed",
        RecoveryCodesReplaced => "recovery_codes_replaced",
        RecoveryCodeUsed => "recovery_code_used",
        SecondFactorRefused => "second_factor_refused",
        Deactivated => "deactivated",
        DeletionRequested => "deletion_requested",
        DeletionApproved => "deletion_approved",
        DeletionRejected => "deletion_rejected",
        Erased => "erased",
        Reactivated => "reactivated",
        ProfileCorrected => "profile_corrected",
        SignedOut => "signed_out",
        SessionEnded => "session_ended",
        SessionsEnded => "sessions_ended",
        EmailChangeWithdrawn => "email_change_withdrawn",
        DataExported => "data_exported",
        CustomersImported => "customers_imported",
    }
);

names!(
    /// Who did it.
    Actor {
        Customer => "customer",
        Admin => "admin",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: Uuid,
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub kind: AuditKind,
    pub actor: Actor,
    /// The id of the request that did it, as the log carries it.
    pub request_id: Option<String>,
    /// The address of the client that sent it (as the trusted proxies report it): personal
    /// data, so erasing the account clears it from its entries.
    pub client_address: Option<String>,
    /// The browser and system it came from, as the client named them.
    pub device: Option<String>,
    pub at: OffsetDateTime,
    /// A short, non-personal note: the closing policy applied (`erase_now`, `keep`,
    /// `request_deletion`), say.
    pub detail: Option<String>,
}
