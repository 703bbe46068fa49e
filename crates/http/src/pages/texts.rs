//! What the pages say, in the languages the mails have (English is the fallback).

use serde::Serialize;

/// The page's language: the first of `Accept-Language`'s choices the mails have.
pub fn language(accept_language: Option<&str>) -> &'static str {
    let mut choices: Vec<(f32, String)> = accept_language
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim().to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            (!tag.is_empty()).then_some((quality, tag))
        })
        .collect();
    choices.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (quality, tag) in choices {
        if quality <= 0.0 {
            continue;
        }
        match tag.split('-').next() {
            Some("de") => return "de",
            Some("en") => return "en",
            _ => {}
        }
    }
    "en"
}

/// Every text of every page, and the messages the script shows for the API's answers.
#[derive(Serialize)]
pub struct Texts {
    pub activate_title: &'static str,
    pub activate_intro: &'static str,
    pub password: &'static str,
    pub password_again: &'static str,
    pub password_rule: &'static str,
    pub activate_button: &'static str,
    pub activated: &'static str,
    pub confirm_title: &'static str,
    pub confirm_intro: &'static str,
    pub confirm_button: &'static str,
    pub confirmed: &'static str,
    pub reset_title: &'static str,
    pub reset_intro: &'static str,
    pub email: &'static str,
    pub reset_button: &'static str,
    pub reset_done: &'static str,
    pub new_passphrase: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub change_it: &'static str,
    pub missing_link: &'static str,
    pub noscript: &'static str,
    pub messages: Messages,
}

/// What the script says for each answer of the API (by problem type), and for fields.
#[derive(Serialize)]
pub struct Messages {
    pub invalid_secret: &'static str,
    pub secret_expired: &'static str,
    pub secret_locked: &'static str,
    pub passwords_differ: &'static str,
    pub rate_limited: &'static str,
    pub unavailable: &'static str,
    pub conflict: &'static str,
    pub failed: &'static str,
    pub sending: &'static str,
    pub reset_refused: &'static str,
    pub reset_unreadable: &'static str,
    pub copy_by_hand: &'static str,
    /// The API's field messages (English) as this language says them; the API's own words
    /// otherwise.
    pub fields: &'static [(&'static str, &'static str)],
}

const GERMAN_FIELDS: &[(&str, &str)] = &[
    ("is required", "muss angegeben werden"),
    ("must not be empty", "darf nicht leer sein"),
    (
        "must be at most 1024 bytes",
        "darf höchstens 1024 Bytes lang sein",
    ),
    (
        "must be at least 8 characters",
        "muss mindestens 8 Zeichen lang sein",
    ),
    (
        "must not contain control characters",
        "darf keine Steuerzeichen enthalten",
    ),
    (
        "is too common; choose a less guessable password",
        "ist zu verbreitet; wählen Sie ein schwerer zu erratendes Passwort",
    ),
    ("does not match password", "stimmt nicht mit dem Passwort überein"),
];

pub fn texts(language: &str) -> Texts {
    match language {
        "de" => Texts {
            activate_title: "Konto aktivieren",
            activate_intro: "Wählen Sie ein Passwort für Ihr Konto.",
            password: "Passwort",
            password_again: "Passwort wiederholen",
            password_rule: "Mindestens 8 Zeichen, kein häufig benutztes Passwort; ein langer Satz ist am sichersten.",
            activate_button: "Aktivieren",
            activated: "Ihr Konto ist aktiviert. Sie können sich jetzt anmelden.",
            confirm_title: "Neue E-Mail-Adresse bestätigen",
            confirm_intro: "Bestätigen Sie, dass diese Adresse ab jetzt für Ihr Konto gilt.",
            confirm_button: "Adresse bestätigen",
            confirmed: "Ihre neue E-Mail-Adresse ist bestätigt.",
            reset_title: "Passwort zurücksetzen",
            reset_intro: "Geben Sie die E-Mail-Adresse Ihres Kontos ein, um ein neues Passwort zu erhalten.",
            email: "E-Mail-Adresse",
            reset_button: "Neues Passwort erhalten",
            reset_done: "Ihr Passwort wurde zurückgesetzt. Ihr neues Passwort (nur dieses eine Mal angezeigt):",
            new_passphrase: "Neues Passwort",
            copy: "Kopieren",
            copied: "Kopiert.",
            change_it: "Melden Sie sich damit an und ändern Sie es in ein Passwort Ihrer Wahl.",
            missing_link: "Dieser Link ist unvollständig. Öffnen Sie ihn bitte direkt aus der E-Mail.",
            noscript: "Diese Seite braucht JavaScript.",
            messages: Messages {
                invalid_secret: "Dieser Link gilt nicht (mehr): er wurde schon benutzt oder durch einen neueren ersetzt.",
                secret_expired: "Dieser Link ist abgelaufen. Fordern Sie bitte einen neuen an.",
                secret_locked: "Zu viele Versuche: dieser Link gilt nicht mehr. Fordern Sie nach seinem Ablauf einen neuen an.",
                passwords_differ: "Die Passwörter stimmen nicht überein.",
                rate_limited: "Zu viele Versuche. Bitte warten Sie einen Moment.",
                unavailable: "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.",
                conflict: "Diese Adresse gehört inzwischen zu einem anderen Konto.",
                failed: "Das hat nicht geklappt.",
                sending: "Einen Moment…",
                reset_refused: "Die Adresse passt nicht zu diesem Link, oder der Link wurde schon benutzt, ersetzt oder ist abgelaufen. Prüfen Sie die Adresse.",
                reset_unreadable: "Ihr Passwort wurde zurückgesetzt, kann hier aber nicht angezeigt werden. Fordern Sie bitte einen neuen Link an.",
                copy_by_hand: "Markieren und kopieren Sie es bitte selbst.",
                fields: GERMAN_FIELDS,
            },
        },
        _ => Texts {
            activate_title: "Activate your account",
            activate_intro: "Choose a password for your account.",
            password: "Password",
            password_again: "Password, again",
            password_rule: "At least 8 characters, not a commonly used password; a long sentence is the safest.",
            activate_button: "Activate",
            activated: "Your account is activated. You can sign in now.",
            confirm_title: "Confirm your new email address",
            confirm_intro: "Confirm that this address is your account's from now on.",
            confirm_button: "Confirm the address",
            confirmed: "Your new email address is confirmed.",
            reset_title: "Reset your password",
            reset_intro: "Enter your account's email address to get a new password.",
            email: "Email address",
            reset_button: "Get a new password",
            reset_done: "Your password was reset. Your new password (shown this once only):",
            new_passphrase: "New password",
            copy: "Copy",
            copied: "Copied.",
            change_it: "Sign in with it, then change it to one of your own.",
            missing_link: "This link is incomplete. Please open it straight from the email.",
            noscript: "This page needs JavaScript.",
            messages: Messages {
                invalid_secret: "This link does not work (any more): it was used already, or a newer one replaced it.",
                secret_expired: "This link has expired. Please ask for a new one.",
                secret_locked: "Too many tries: this link no longer works. Ask for a new one once it has expired.",
                passwords_differ: "The passwords differ.",
                rate_limited: "Too many tries. Please wait a moment.",
                unavailable: "The service is not available right now. Please try again in a moment.",
                conflict: "This address now belongs to another account.",
                failed: "That did not work.",
                sending: "One moment…",
                reset_refused: "The address does not match this link, or the link was used, replaced or has expired. Check the address.",
                reset_unreadable: "Your password was reset but cannot be shown here. Please ask for a new link.",
                copy_by_hand: "Please select it and copy it yourself.",
                fields: &[],
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::language;

    #[test]
    fn the_best_language_the_mails_have() {
        assert_eq!(language(Some("de-DE,de;q=0.9,en;q=0.8")), "de");
        assert_eq!(language(Some("fr-FR, en;q=0.5, de;q=0.7")), "de");
        assert_eq!(language(Some("fr")), "en");
        assert_eq!(language(Some("de;q=0, en")), "en");
        assert_eq!(language(None), "en");
    }
}
