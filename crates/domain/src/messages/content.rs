//! What a use case says in a message: its kind and the values of the kind's variables.

use super::{MessageKind, Variables};

/// Shown in place of a secret in the back office's copy.
pub const MASK: &str = "••••••••";

/// What a message is about, with what it must say.
pub enum Content<'a> {
    Activation {
        name: &'a str,
        identifier: &'a str,
        secret: &'a str,
        link: &'a str,
    },
    EmailChangeKey {
        name: &'a str,
        new_address: &'a str,
        identifier: &'a str,
        key: &'a str,
        link: &'a str,
    },
    EmailChangeNotice {
        name: &'a str,
        new_address: &'a str,
    },
    PasswordReset {
        name: &'a str,
        code: &'a str,
        link: &'a str,
    },
    SignupNotice {
        name: &'a str,
    },
    /// The code that confirms closing the account (B2Core's `DeletePersonalData`).
    ClosingCode {
        name: &'a str,
        code: &'a str,
        minutes: i64,
    },
    /// The account's personal data has been erased (the last message to its address).
    DataErased {
        name: &'a str,
    },
    /// The back office declined to erase a closed account's data, and why.
    DeletionRejected {
        name: &'a str,
        reason: &'a str,
    },
    /// A security-relevant change to the account (no secret in it), so that a customer whose
    /// account was taken over hears of it.
    AccountChanged {
        name: &'a str,
        change: AccountChange,
    },
    /// To a tenant's operator: a webhook endpoint failed every try for days and is disabled.
    WebhookDisabled {
        url: &'a str,
        endpoint: &'a str,
        failing_since: &'a str,
    },
    /// A texted one-time code.
    SmsCode {
        code: &'a str,
        minutes: i64,
    },
}

/// What an [`Content::AccountChanged`] notice tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountChange {
    PasswordChanged,
    PasswordReset,
    PhoneChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    FactorAdded,
    FactorRemoved,
    RecoveryCodesReplaced,
    RecoveryCodeUsed,
    /// The back office signed every device out.
    SessionsEnded,
}

impl AccountChange {
    pub fn kind(self) -> MessageKind {
        match self {
            AccountChange::PasswordChanged => MessageKind::PasswordChanged,
            AccountChange::PasswordReset => MessageKind::PasswordResetNotice,
            AccountChange::PhoneChanged => MessageKind::PhoneChanged,
            AccountChange::TwoFactorEnabled => MessageKind::TwoFactorEnabled,
            AccountChange::TwoFactorDisabled => MessageKind::TwoFactorDisabled,
            AccountChange::FactorAdded => MessageKind::FactorAdded,
            AccountChange::FactorRemoved => MessageKind::FactorRemoved,
            AccountChange::RecoveryCodesReplaced => MessageKind::RecoveryCodesReplaced,
            AccountChange::RecoveryCodeUsed => MessageKind::RecoveryCodeUsed,
            AccountChange::SessionsEnded => MessageKind::SessionsEnded,
        }
    }
}

impl Content<'_> {
    pub fn kind(&self) -> MessageKind {
        match self {
            Content::Activation { .. } => MessageKind::Activation,
            Content::EmailChangeKey { .. } => MessageKind::EmailChangeKey,
            Content::EmailChangeNotice { .. } => MessageKind::EmailChangeNotice,
            Content::PasswordReset { .. } => MessageKind::PasswordReset,
            Content::SignupNotice { .. } => MessageKind::SignupNotice,
            Content::ClosingCode { .. } => MessageKind::ClosingCode,
            Content::DataErased { .. } => MessageKind::DataErased,
            Content::DeletionRejected { .. } => MessageKind::DeletionRejected,
            Content::AccountChanged { change, .. } => change.kind(),
            Content::WebhookDisabled { .. } => MessageKind::WebhookDisabled,
            Content::SmsCode { .. } => MessageKind::SmsCode,
        }
    }

    /// The kind's variables with their values; with `masked`, every secret is [`MASK`] (the
    /// back office's copy).
    pub fn variables(&self, masked: bool) -> Variables {
        let mut v = Variables::new();
        let hide = |value: &str| if masked { MASK.to_owned() } else { value.to_owned() };
        match *self {
            Content::Activation {
                name,
                identifier,
                secret,
                link,
            } => {
                v.set("name", name);
                v.set("identifier", identifier);
                v.set("secret", hide(secret));
                v.set("link", hide(link));
            }
            Content::EmailChangeKey {
                name,
                new_address,
                identifier,
                key,
                link,
            } => {
                v.set("name", name);
                v.set("new_address", new_address);
                v.set("identifier", identifier);
                v.set("key", hide(key));
                v.set("link", hide(link));
            }
            Content::EmailChangeNotice { name, new_address } => {
                v.set("name", name);
                v.set("new_address", new_address);
            }
            Content::PasswordReset { name, code, link } => {
                v.set("name", name);
                v.set("code", hide(code));
                v.set("link", hide(link));
            }
            Content::ClosingCode { name, code, minutes } => {
                v.set("name", name);
                v.set("code", hide(code));
                v.set("minutes", minutes.to_string());
            }
            Content::DeletionRejected { name, reason } => {
                v.set("name", name);
                v.set("reason", reason);
            }
            Content::SignupNotice { name }
            | Content::DataErased { name }
            | Content::AccountChanged { name, .. } => {
                v.set("name", name);
            }
            Content::WebhookDisabled {
                url,
                endpoint,
                failing_since,
            } => {
                v.set("url", url);
                v.set("endpoint", endpoint);
                v.set("failing_since", failing_since);
            }
            Content::SmsCode { code, minutes } => {
                v.set("code", hide(code));
                v.set("minutes", minutes.to_string());
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_gets_exactly_its_variables() {
        let all = [
            Content::Activation {
                name: "",
                identifier: "i",
                secret: "s",
                link: "l",
            },
            Content::EmailChangeKey {
                name: "",
                new_address: "a",
                identifier: "i",
                key: "k",
                link: "l",
            },
            Content::EmailChangeNotice {
                name: "",
                new_address: "a",
            },
            Content::PasswordReset {
                name: "",
                code: "c",
                link: "l",
            },
            Content::SignupNotice { name: "" },
            Content::ClosingCode {
                name: "",
                code: "c",
                minutes: 15,
            },
            Content::DataErased { name: "" },
            Content::DeletionRejected {
                name: "",
                reason: "r",
            },
            Content::AccountChanged {
                name: "",
                change: AccountChange::PhoneChanged,
            },
            Content::WebhookDisabled {
                url: "u",
                endpoint: "e",
                failing_since: "f",
            },
            Content::SmsCode {
                code: "c",
                minutes: 10,
            },
        ];
        for content in all {
            let given: Vec<&str> = content.variables(false).iter().map(|(n, _)| n).collect();
            let declared: Vec<&str> = content.kind().variables().iter().map(|v| v.name).collect();
            let (mut g, mut d) = (given.clone(), declared.clone());
            g.sort();
            d.sort();
            assert_eq!(g, d, "{}", content.kind());
            for var in content.kind().variables().iter().filter(|v| v.secret) {
                assert_eq!(content.variables(true).get(var.name), Some(MASK), "{}", var.name);
            }
        }
    }
}
