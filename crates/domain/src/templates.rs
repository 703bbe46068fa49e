//! The text of every message, in plain text and HTML, by language (English is the fallback).
//! Each states its secret on a line of its own (`Secret: …`, `Key: …`, `Code: …`,
//! `Identifier: …`) besides any link, and nothing else secret.

use crate::values::Locale;

/// A composed message: subject, plain text, HTML.
#[derive(Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a message is about, with what it must say.
pub enum Template<'a> {
    Activation {
        name: &'a str,
        identifier: &'a str,
        secret: &'a str,
        link: &'a str,
    },
    EmailChangeKey {
        name: &'a str,
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
    DeletePersonalData {
        name: &'a str,
        code: &'a str,
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
}

/// What an [`Template::AccountChanged`] notice tells; more kinds of change will come.
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

pub const MASK: &str = "••••••••";

/// A texted one-time code: short, the code on its own line, nothing else secret.
pub fn code_text(code: &str, minutes: i64, locale: Option<&Locale>) -> String {
    match language(locale) {
        Language::German => format!(
            "Ihr Bestätigungscode, {minutes} Minuten gültig. Geben Sie ihn nicht weiter.\nCode: {code}\n"
        ),
        Language::English => {
            format!("Your verification code, valid for {minutes} minutes. Do not share it.\nCode: {code}\n")
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Language {
    English,
    German,
}

fn language(locale: Option<&Locale>) -> Language {
    match locale.map(Locale::language) {
        Some("de") => Language::German,
        _ => Language::English,
    }
}

fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// (label, value) lines that carry secrets or identifiers, each on its own line.
type Lines<'a> = Vec<(&'a str, &'a str)>;

struct Parts<'a> {
    subject: &'a str,
    greeting: String,
    paragraphs: Vec<String>,
    lines: Lines<'a>,
    link: Option<&'a str>,
    closing: &'a str,
}

fn render(parts: Parts<'_>) -> Composed {
    let mut text = format!("{}\n\n", parts.greeting);
    let mut html = format!("<!doctype html><html><body><p>{}</p>", escape(&parts.greeting));
    for p in &parts.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(p)));
    }
    for (label, value) in &parts.lines {
        text.push_str(&format!("{label}: {value}\n"));
        html.push_str(&format!(
            "<p>{}: <strong>{}</strong></p>",
            escape(label),
            escape(value)
        ));
    }
    if let Some(link) = parts.link {
        text.push_str(&format!("\n{link}\n"));
        html.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>", escape(link)));
    }
    text.push_str(&format!("\n{}\n", parts.closing));
    html.push_str(&format!("<p>{}</p></body></html>", escape(parts.closing)));
    Composed {
        subject: parts.subject.to_owned(),
        text,
        html,
    }
}

/// The message in the customer's language.
pub fn compose(template: &Template<'_>, locale: Option<&Locale>) -> Composed {
    let lang = language(locale);
    let de = lang == Language::German;
    let hello = |name: &str| match (de, name.is_empty()) {
        (true, true) => "Hallo,".to_owned(),
        (true, false) => format!("Hallo {name},"),
        (false, true) => "Hello,".to_owned(),
        (false, false) => format!("Hello {name},"),
    };
    let ignore = if de {
        "Wenn Sie das nicht waren, können Sie diese Nachricht ignorieren."
    } else {
        "If this was not you, you can ignore this message."
    };
    let parts = match *template {
        Template::Activation {
            name,
            identifier,
            secret,
            link,
        } => Parts {
            subject: if de {
                "Aktivieren Sie Ihr Konto"
            } else {
                "Activate your account"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                "um Ihr Konto zu aktivieren, wählen Sie ein Passwort und geben Sie diese Angaben ein:".into()
            } else {
                "to activate your account, choose a password and enter these details:".into()
            }],
            lines: vec![("Identifier", identifier), ("Secret", secret)],
            link: Some(link),
            closing: ignore,
        },
        Template::EmailChangeKey {
            name,
            identifier,
            key,
            link,
        } => Parts {
            subject: if de {
                "Bestätigen Sie Ihre neue E-Mail-Adresse"
            } else {
                "Confirm your new email address"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                "bitte bestätigen Sie diese Adresse als neue Adresse Ihres Kontos:".into()
            } else {
                "please confirm this address as your account's new email address:".into()
            }],
            lines: vec![("Identifier", identifier), ("Key", key)],
            link: Some(link),
            closing: ignore,
        },
        Template::EmailChangeNotice { name, new_address } => Parts {
            subject: if de {
                "Ihre E-Mail-Adresse wird geändert"
            } else {
                "Your email address is being changed"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                format!("für Ihr Konto wurde die neue Adresse {new_address} angefragt. Sie gilt erst, wenn sie bestätigt ist.")
            } else {
                format!("a change of your account's email address to {new_address} was requested. It takes effect only once confirmed from that address.")
            }],
            lines: vec![],
            link: None,
            closing: if de {
                "Wenn Sie das nicht waren, ändern Sie bitte Ihr Passwort."
            } else {
                "If this was not you, please change your password."
            },
        },
        Template::PasswordReset { name, code, link } => Parts {
            subject: if de {
                "Passwort zurücksetzen"
            } else {
                "Reset your password"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                "mit diesem Code erhalten Sie ein neues Passwort:".into()
            } else {
                "use this code to get a new password:".into()
            }],
            lines: vec![("Code", code)],
            link: Some(link),
            closing: ignore,
        },
        Template::DeletePersonalData { name, code } => Parts {
            subject: if de {
                "Schließen Sie Ihr Konto"
            } else {
                "Confirm closing your account"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                "mit diesem Code bestätigen Sie, dass Ihr Konto geschlossen wird. Er gilt 15 Minuten:".into()
            } else {
                "enter this code to confirm that your account is to be closed. It is valid for 15 minutes:"
                    .into()
            }],
            lines: vec![("Code", code)],
            link: None,
            closing: if de {
                "Wenn Sie das nicht waren, ändern Sie bitte Ihr Passwort: Ihr Konto bleibt offen."
            } else {
                "If this was not you, please change your password: your account stays open."
            },
        },
        Template::WebhookDisabled {
            url,
            endpoint,
            failing_since,
        } => Parts {
            subject: "A webhook endpoint was disabled",
            greeting: hello(""),
            paragraphs: vec![
                format!("every delivery to the webhook endpoint {url} has failed since {failing_since}, so it is disabled: its events are no longer sent."),
                "Once it answers again, re-enable it with PATCH /admin/v1/tenants/{tenant}/webhooks/{id} and {\"disabled\": false}, then retry the deliveries it missed.".into(),
            ],
            lines: vec![("Endpoint", endpoint)],
            link: None,
            closing: "This message was sent automatically.",
        },
        Template::AccountChanged { name, change } => {
            let (subject, what) = match (change, de) {
                (AccountChange::PasswordChanged, true) => (
                    "Ihr Passwort wurde geändert",
                    "das Passwort Ihres Kontos wurde soeben geändert. Ihre anderen Geräte wurden abgemeldet.",
                ),
                (AccountChange::PasswordChanged, false) => (
                    "Your password was changed",
                    "your account's password was just changed. Your other devices were signed out.",
                ),
                (AccountChange::PasswordReset, true) => (
                    "Ihr Passwort wurde zurückgesetzt",
                    "das Passwort Ihres Kontos wurde soeben mit einem an diese Adresse gesendeten Code zurückgesetzt. Alle Geräte wurden abgemeldet.",
                ),
                (AccountChange::PasswordReset, false) => (
                    "Your password was reset",
                    "your account's password was just reset with a code sent to this address. Every device was signed out.",
                ),
                (AccountChange::PhoneChanged, true) => (
                    "Ihre Telefonnummer wurde geändert",
                    "die Telefonnummer Ihres Kontos wurde soeben geändert.",
                ),
                (AccountChange::PhoneChanged, false) => (
                    "Your phone number was changed",
                    "your account's phone number was just changed.",
                ),
                (AccountChange::TwoFactorEnabled, true) => (
                    "Die Anmeldung in zwei Schritten ist eingeschaltet",
                    "ab jetzt fragt die Anmeldung auch nach einem Code, der an Ihr Telefon gesendet wird.",
                ),
                (AccountChange::TwoFactorEnabled, false) => (
                    "Two-step sign-in is on",
                    "from now on, signing in also asks for a code texted to your phone.",
                ),
                (AccountChange::TwoFactorDisabled, true) => (
                    "Die Anmeldung in zwei Schritten ist ausgeschaltet",
                    "die Anmeldung fragt nicht mehr nach einem Code, der an Ihr Telefon gesendet wird.",
                ),
                (AccountChange::TwoFactorDisabled, false) => (
                    "Two-step sign-in is off",
                    "signing in no longer asks for a code texted to your phone.",
                ),
                (AccountChange::FactorAdded, true) => (
                    "Ein neuer zweiter Faktor wurde hinzugefügt",
                    "Ihrem Konto wurde soeben eine Authentifizierungs-App oder ein Passkey für die Anmeldung hinzugefügt.",
                ),
                (AccountChange::FactorAdded, false) => (
                    "A new sign-in factor was added",
                    "an authenticator app or passkey was just added to your account for signing in.",
                ),
                (AccountChange::FactorRemoved, true) => (
                    "Ein zweiter Faktor wurde entfernt",
                    "eine Authentifizierungs-App oder ein Passkey wurde soeben von Ihrem Konto entfernt.",
                ),
                (AccountChange::FactorRemoved, false) => (
                    "A sign-in factor was removed",
                    "an authenticator app or passkey was just removed from your account.",
                ),
                (AccountChange::RecoveryCodesReplaced, true) => (
                    "Neue Wiederherstellungscodes",
                    "für Ihr Konto wurden soeben neue Wiederherstellungscodes erzeugt; die bisherigen gelten nicht mehr.",
                ),
                (AccountChange::RecoveryCodeUsed, true) => (
                    "Ein Wiederherstellungscode wurde verwendet",
                    "soeben wurde mit einem Ihrer Wiederherstellungscodes an Ihrem Konto angemeldet; er gilt nicht mehr.",
                ),
                (AccountChange::RecoveryCodeUsed, false) => (
                    "A recovery code was used",
                    "someone just signed in to your account with one of your recovery codes; it no longer works.",
                ),
                (AccountChange::RecoveryCodesReplaced, false) => (
                    "New recovery codes",
                    "new recovery codes were just made for your account; the previous ones no longer work.",
                ),
                (AccountChange::SessionsEnded, true) => (
                    "Alle Geräte wurden abgemeldet",
                    "unser Support hat soeben alle Geräte von Ihrem Konto abgemeldet. Melden Sie sich erneut an, um fortzufahren.",
                ),
                (AccountChange::SessionsEnded, false) => (
                    "Every device was signed out",
                    "our support team just signed every device out of your account. Sign in again to go on.",
                ),
            };
            Parts {
                subject,
                greeting: hello(name),
                paragraphs: vec![what.into()],
                lines: vec![],
                link: None,
                closing: match (change, de) {
                    (AccountChange::PasswordChanged | AccountChange::PasswordReset, true) => {
                        "Wenn Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück."
                    }
                    (AccountChange::PasswordChanged | AccountChange::PasswordReset, false) => {
                        "If this was not you, reset your password at once."
                    }
                    (_, true) => "Wenn Sie das nicht waren, ändern Sie sofort Ihr Passwort.",
                    (_, false) => "If this was not you, change your password at once.",
                },
            }
        }
        Template::DataErased { name } => Parts {
            subject: if de {
                "Ihre Daten wurden gelöscht"
            } else {
                "Your data has been erased"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                "Ihr Konto ist geschlossen und Ihre persönlichen Daten wurden gelöscht. Dies ist die letzte Nachricht an diese Adresse.".into()
            } else {
                "your account is closed and your personal data has been erased. This is the last message to this address.".into()
            }],
            lines: vec![],
            link: None,
            closing: if de {
                "Sie können jederzeit ein neues Konto anlegen."
            } else {
                "You are welcome to open a new account at any time."
            },
        },
        Template::DeletionRejected { name, reason } => Parts {
            subject: if de {
                "Ihre Daten werden nicht gelöscht"
            } else {
                "Your data will not be erased"
            },
            greeting: hello(name),
            paragraphs: vec![
                if de {
                    "Ihr Konto ist geschlossen, aber Ihre Anfrage, Ihre Daten zu löschen, wurde abgelehnt:"
                        .into()
                } else {
                    "your account is closed, but your request to erase your data was declined:".into()
                },
                reason.to_owned(),
            ],
            lines: vec![],
            link: None,
            closing: if de {
                "Bei Fragen antworten Sie bitte auf diese Nachricht."
            } else {
                "If you have questions, please reply to this message."
            },
        },
        Template::SignupNotice { name } => Parts {
            subject: if de {
                "Sie haben bereits ein Konto"
            } else {
                "You already have an account"
            },
            greeting: hello(name),
            paragraphs: vec![if de {
                "jemand wollte sich mit dieser Adresse registrieren. Sie haben bereits ein Konto: melden Sie sich an oder setzen Sie Ihr Passwort zurück.".into()
            } else {
                "someone tried to sign up with this address. You already have an account: sign in, or reset your password if you forgot it.".into()
            }],
            lines: vec![],
            link: None,
            closing: ignore,
        },
    };
    render(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stand_on_their_own_lines_and_html_is_escaped() {
        let composed = compose(
            &Template::PasswordReset {
                name: "<Ann>",
                code: "8KY0CX0LAR",
                link: "https://x.test/r/8KY0CX0LAR",
            },
            None,
        );
        assert!(composed.text.lines().any(|l| l == "Code: 8KY0CX0LAR"));
        assert!(composed.html.contains("&lt;Ann&gt;"));
        assert!(!composed.html.contains("<Ann>"));
    }

    #[test]
    fn language_follows_the_locale_with_english_fallback() {
        let t = Template::SignupNotice { name: "" };
        let de = compose(&t, Some(&Locale::parse("de_DE").unwrap()));
        assert!(de.text.starts_with("Hallo,"));
        let fallback = compose(&t, Some(&Locale::parse("ja_JP").unwrap()));
        assert!(fallback.text.starts_with("Hello,"));
    }
}
