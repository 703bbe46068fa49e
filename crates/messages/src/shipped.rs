//! The templates Clientele ships, embedded at build time: the shared HTML layout and, for each
//! language and kind, `templates/{lang}/{kind}.subject`, `.txt` and `.html`.

use clientele_domain::messages::MessageKind;

/// The shipped languages.
pub const LANGUAGES: &[&str] = &["en", "de"];

/// The name under which templates extend (or import from) the layout.
pub(crate) const LAYOUT_NAME: &str = "layout.html";
pub(crate) const LAYOUT: &str = include_str!("../templates/layout.html");

/// One kind's parts in one language, as written.
pub(crate) struct Parts {
    pub subject: &'static str,
    pub text: &'static str,
    pub html: Option<&'static str>,
}

macro_rules! email {
    ($lang:literal, $kind:literal) => {
        Parts {
            subject: include_str!(concat!("../templates/", $lang, "/", $kind, ".subject")),
            text: include_str!(concat!("../templates/", $lang, "/", $kind, ".txt")),
            html: Some(include_str!(concat!("../templates/", $lang, "/", $kind, ".html"))),
        }
    };
}

// A text message has no subject and no HTML.
macro_rules! sms {
    ($lang:literal, $kind:literal) => {
        Parts {
            subject: "",
            text: include_str!(concat!("../templates/", $lang, "/", $kind, ".txt")),
            html: None,
        }
    };
}

macro_rules! language {
    ($lang:literal, $kind:expr) => {
        match $kind {
            MessageKind::Activation => email!($lang, "activation"),
            MessageKind::EmailChangeKey => email!($lang, "email_change_key"),
            MessageKind::EmailChangeNotice => email!($lang, "email_change_notice"),
            MessageKind::PasswordReset => email!($lang, "password_reset"),
            MessageKind::SignupNotice => email!($lang, "signup_notice"),
            MessageKind::ClosingCode => email!($lang, "closing_code"),
            MessageKind::DataErased => email!($lang, "data_erased"),
            MessageKind::DeletionRejected => email!($lang, "deletion_rejected"),
            MessageKind::PasswordChanged => email!($lang, "password_changed"),
            MessageKind::PasswordResetNotice => email!($lang, "password_reset_notice"),
            MessageKind::PhoneChanged => email!($lang, "phone_changed"),
            MessageKind::TwoFactorEnabled => email!($lang, "two_factor_enabled"),
            MessageKind::TwoFactorDisabled => email!($lang, "two_factor_disabled"),
            MessageKind::FactorAdded => email!($lang, "factor_added"),
            MessageKind::FactorRemoved => email!($lang, "factor_removed"),
            MessageKind::RecoveryCodesReplaced => email!($lang, "recovery_codes_replaced"),
            MessageKind::RecoveryCodeUsed => email!($lang, "recovery_code_used"),
            MessageKind::SessionsEnded => email!($lang, "sessions_ended"),
            MessageKind::WebhookDisabled => email!($lang, "webhook_disabled"),
            MessageKind::SmsCode => sms!($lang, "sms_code"),
        }
    };
}

/// The shipped parts of `kind` in `language`, if that language is shipped.
pub(crate) fn parts(kind: MessageKind, language: &str) -> Option<Parts> {
    match language {
        "en" => Some(language!("en", kind)),
        "de" => Some(language!("de", kind)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use clientele_domain::flow::Channel;

    use super::*;

    fn read(path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }

    /// The table matches the files on disk: every kind has every part in every language, under
    /// its own name, and no file is left out.
    #[test]
    fn every_kind_has_every_part_in_every_language() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        for lang in LANGUAGES {
            let dir = root.join(lang);
            let mut expected = BTreeSet::new();
            for kind in MessageKind::ALL {
                let parts = parts(kind, lang).expect("a shipped language");
                let file = |ext: &str| dir.join(format!("{}.{ext}", kind.as_str()));
                let text = read(&file("txt")).unwrap_or_else(|| panic!("{lang}/{kind}.txt"));
                assert_eq!(parts.text, text, "{lang}/{kind}.txt");
                expected.insert(format!("{kind}.txt"));
                match kind.channel() {
                    Channel::Email => {
                        assert_eq!(
                            Some(parts.subject.to_owned()),
                            read(&file("subject")),
                            "{lang}/{kind}"
                        );
                        assert!(!parts.subject.trim().is_empty(), "{lang}/{kind}.subject");
                        assert_eq!(
                            parts.html.map(str::to_owned),
                            read(&file("html")),
                            "{lang}/{kind}"
                        );
                        expected.insert(format!("{kind}.subject"));
                        expected.insert(format!("{kind}.html"));
                    }
                    Channel::Sms => {
                        assert_eq!((parts.subject, parts.html), ("", None), "{lang}/{kind}");
                    }
                }
            }
            let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(
                on_disk, expected,
                "templates/{lang}/ holds exactly the shipped files"
            );
        }
        assert!(parts(MessageKind::Activation, "fr").is_none());
    }
}
