//! Every message Clientele sends, and the variables its template may use.

use crate::flow::Channel;

/// What a message is about: one template (subject, text, HTML) per kind and language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    Activation,
    EmailChangeKey,
    EmailChangeNotice,
    PasswordReset,
    SignupNotice,
    ClosingCode,
    DataErased,
    DeletionRejected,
    PasswordChanged,
    PasswordResetNotice,
    PhoneChanged,
    TwoFactorEnabled,
    TwoFactorDisabled,
    FactorAdded,
    FactorRemoved,
    RecoveryCodesReplaced,
    RecoveryCodeUsed,
    SessionsEnded,
    WebhookDisabled,
    SmsCode,
}

/// A name a template may use, what it holds, and whether it is a secret (then only the
/// template of the message that carries it has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    pub name: &'static str,
    pub meaning: &'static str,
    pub secret: bool,
    /// What previews and the check at save render with.
    pub sample: &'static str,
}

const fn var(name: &'static str, meaning: &'static str, sample: &'static str) -> Variable {
    Variable {
        name,
        meaning,
        secret: false,
        sample,
    }
}

const fn secret(name: &'static str, meaning: &'static str, sample: &'static str) -> Variable {
    Variable {
        name,
        meaning,
        secret: true,
        sample,
    }
}

/// What every template may use: the tenant's brand and the message's language. Unset settings
/// are empty (`{% if logo_url %}`).
pub const COMMON: &[Variable] = &[
    var("brand", "the tenant's brand name", "Acme Shop"),
    var(
        "logo_url",
        "the brand's logo (https), or empty",
        "https://acme.example/logo.png",
    ),
    var("accent_color", "the brand's colour, #rrggbb", "#0b5cad"),
    var(
        "accent_text_color",
        "a text colour readable on the accent colour, #rrggbb",
        "#ffffff",
    ),
    var(
        "support",
        "where customers get help (an address or a URL), or empty",
        "help@acme.example",
    ),
    var(
        "support_link",
        "`support` as a link (mailto: for an address), or empty",
        "mailto:help@acme.example",
    ),
    var(
        "replies_read",
        "\"yes\" when a reply reaches someone (a reply-to address is set), else empty",
        "",
    ),
    var("lang", "the message's language (en, de, ...)", "en"),
];

const NAME: Variable = var(
    "name",
    "the customer's first name, or empty (then greet without a name)",
    "Ada",
);
const LINK_ACTIVATE: Variable = secret(
    "link",
    "the page that activates the account (carries identifier and secret)",
    "https://app.acme.example/customers/activate?identifier=3f1c8a52-5d7e-4c1b-9a0e-2b6f4d8e7c11&secret=QJ4T7ZK2WM&tenant=acme",
);
const IDENTIFIER: Variable = var(
    "identifier",
    "the flow's identifier, for clients that confirm through the API",
    "3f1c8a52-5d7e-4c1b-9a0e-2b6f4d8e7c11",
);

impl MessageKind {
    pub const ALL: [MessageKind; 20] = [
        MessageKind::Activation,
        MessageKind::EmailChangeKey,
        MessageKind::EmailChangeNotice,
        MessageKind::PasswordReset,
        MessageKind::SignupNotice,
        MessageKind::ClosingCode,
        MessageKind::DataErased,
        MessageKind::DeletionRejected,
        MessageKind::PasswordChanged,
        MessageKind::PasswordResetNotice,
        MessageKind::PhoneChanged,
        MessageKind::TwoFactorEnabled,
        MessageKind::TwoFactorDisabled,
        MessageKind::FactorAdded,
        MessageKind::FactorRemoved,
        MessageKind::RecoveryCodesReplaced,
        MessageKind::RecoveryCodeUsed,
        MessageKind::SessionsEnded,
        MessageKind::WebhookDisabled,
        MessageKind::SmsCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Activation => "activation",
            MessageKind::EmailChangeKey => "email_change_key",
            MessageKind::EmailChangeNotice => "email_change_notice",
            MessageKind::PasswordReset => "password_reset",
            MessageKind::SignupNotice => "signup_notice",
            MessageKind::ClosingCode => "closing_code",
            MessageKind::DataErased => "data_erased",
            MessageKind::DeletionRejected => "deletion_rejected",
            MessageKind::PasswordChanged => "password_changed",
            MessageKind::PasswordResetNotice => "password_reset_notice",
            MessageKind::PhoneChanged => "phone_changed",
            MessageKind::TwoFactorEnabled => "two_factor_enabled",
            MessageKind::TwoFactorDisabled => "two_factor_disabled",
            MessageKind::FactorAdded => "factor_added",
            MessageKind::FactorRemoved => "factor_removed",
            MessageKind::RecoveryCodesReplaced => "recovery_codes_replaced",
            MessageKind::RecoveryCodeUsed => "recovery_code_used",
            MessageKind::SessionsEnded => "sessions_ended",
            MessageKind::WebhookDisabled => "webhook_disabled",
            MessageKind::SmsCode => "sms_code",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Mail (subject, text and HTML) or a text message (its text only).
    pub fn channel(self) -> Channel {
        match self {
            MessageKind::SmsCode => Channel::Sms,
            _ => Channel::Email,
        }
    }

    /// What the message is for, in a line (the documentation and the back office).
    pub fn purpose(self) -> &'static str {
        match self {
            MessageKind::Activation => "a new account's activation: its link, identifier and secret",
            MessageKind::EmailChangeKey => "to the new address: the key that confirms it",
            MessageKind::EmailChangeNotice => "to the old address: a change of address was asked for",
            MessageKind::PasswordReset => "the code (and link) that resets a forgotten password",
            MessageKind::SignupNotice => "someone signed up with an address that has an account",
            MessageKind::ClosingCode => "the code that confirms closing the account",
            MessageKind::DataErased => "the account's personal data was erased (the last message)",
            MessageKind::DeletionRejected => "the back office declined to erase a closed account's data",
            MessageKind::PasswordChanged => "the password was changed",
            MessageKind::PasswordResetNotice => "the password was reset with a mailed code",
            MessageKind::PhoneChanged => "the phone number was changed",
            MessageKind::TwoFactorEnabled => "two-step sign-in was turned on",
            MessageKind::TwoFactorDisabled => "two-step sign-in was turned off",
            MessageKind::FactorAdded => "an authenticator app or passkey was added",
            MessageKind::FactorRemoved => "an authenticator app or passkey was removed",
            MessageKind::RecoveryCodesReplaced => "new recovery codes were made",
            MessageKind::RecoveryCodeUsed => "a recovery code was used to sign in",
            MessageKind::SessionsEnded => "the back office signed every device out",
            MessageKind::WebhookDisabled => "to the tenant's operator: a webhook endpoint was disabled",
            MessageKind::SmsCode => "a texted one-time code (phone confirmation, sign-in, ...)",
        }
    }

    /// The variables of this kind's template besides [`COMMON`].
    pub fn variables(self) -> &'static [Variable] {
        const CHANGE_NOTICE: &[Variable] = &[NAME];
        match self {
            MessageKind::Activation => {
                const V: &[Variable] = &[
                    NAME,
                    IDENTIFIER,
                    secret("secret", "the activation secret", "QJ4T7ZK2WM"),
                    LINK_ACTIVATE,
                ];
                V
            }
            MessageKind::EmailChangeKey => {
                const V: &[Variable] = &[
                NAME,
                var("new_address", "the address being confirmed", "ada@new.example"),
                IDENTIFIER,
                secret("key", "the key that confirms the new address", "N8V3XQ5T2K"),
                secret(
                    "link",
                    "the page that confirms the new address (carries identifier and key)",
                    "https://app.acme.example/customers/newemail_confirm?identifier=3f1c8a52-5d7e-4c1b-9a0e-2b6f4d8e7c11&key=N8V3XQ5T2K&tenant=acme",
                ),
                ];
                V
            }
            MessageKind::EmailChangeNotice => {
                const V: &[Variable] = &[
                    NAME,
                    var("new_address", "the address asked for", "ada@new.example"),
                ];
                V
            }
            MessageKind::PasswordReset => {
                const V: &[Variable] = &[
                    NAME,
                    secret("code", "the reset code", "8KY0CX0LAR"),
                    secret(
                        "link",
                        "the page that sets a new password (carries the code)",
                        "https://app.acme.example/reset/8KY0CX0LAR",
                    ),
                ];
                V
            }
            MessageKind::ClosingCode => {
                const V: &[Variable] = &[
                    NAME,
                    secret("code", "the code that confirms closing", "482913"),
                    var("minutes", "how long the code is valid, in minutes", "15"),
                ];
                V
            }
            MessageKind::DeletionRejected => {
                const V: &[Variable] = &[
                    NAME,
                    var(
                        "reason",
                        "why the back office declined",
                        "An order is still open.",
                    ),
                ];
                V
            }
            MessageKind::WebhookDisabled => {
                const V: &[Variable] = &[
                    var(
                        "url",
                        "the endpoint's URL",
                        "https://hooks.acme.example/clientele",
                    ),
                    var(
                        "endpoint",
                        "the endpoint's id",
                        "0b7e5a8c-1f2d-4e3a-9c6b-7d8e9f0a1b2c",
                    ),
                    var(
                        "failing_since",
                        "when its deliveries began to fail (RFC 3339)",
                        "2026-12-01T08:00:00Z",
                    ),
                ];
                V
            }
            MessageKind::SmsCode => {
                const V: &[Variable] = &[
                    secret("code", "the one-time code", "493027"),
                    var("minutes", "how long the code is valid, in minutes", "10"),
                ];
                V
            }
            MessageKind::SignupNotice
            | MessageKind::DataErased
            | MessageKind::PasswordChanged
            | MessageKind::PasswordResetNotice
            | MessageKind::PhoneChanged
            | MessageKind::TwoFactorEnabled
            | MessageKind::TwoFactorDisabled
            | MessageKind::FactorAdded
            | MessageKind::FactorRemoved
            | MessageKind::RecoveryCodesReplaced
            | MessageKind::RecoveryCodeUsed
            | MessageKind::SessionsEnded => CHANGE_NOTICE,
        }
    }

    /// The lines the text part must hold, `Label: {variable}`, so that API clients find the
    /// secret (and the identifier it goes with) on a line of its own.
    pub fn required_lines(self) -> &'static [(&'static str, &'static str)] {
        match self {
            MessageKind::Activation => &[("Identifier", "identifier"), ("Secret", "secret")],
            MessageKind::EmailChangeKey => &[("Identifier", "identifier"), ("Key", "key")],
            MessageKind::PasswordReset | MessageKind::ClosingCode | MessageKind::SmsCode => {
                &[("Code", "code")]
            }
            _ => &[],
        }
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
