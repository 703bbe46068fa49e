//! What a tenant sets for its messages: sender, brand, colours, language, support.

use super::branding::checked_color;
use super::Language;
use crate::{FieldErrors, Patch};

/// A tenant's message settings; `None`: the instance's configuration applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSettings {
    /// The `From` display name (else the brand name).
    pub sender_name: Option<String>,
    pub sender_address: Option<String>,
    /// Where replies go; without it no message invites a reply.
    pub reply_to: Option<String>,
    /// Shown in messages (else the tenant's name).
    pub brand_name: Option<String>,
    /// An https URL, the only resource an HTML part loads.
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// For customers whose language has no template.
    pub default_language: Option<Language>,
    /// Where customers get help: an address or an https URL.
    pub support: Option<String>,
}

/// A change of [`MessageSettings`]: `Keep` leaves a field, `Set(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageSettingsChange {
    pub sender_name: Patch<Option<String>>,
    pub sender_address: Patch<Option<String>>,
    pub reply_to: Patch<Option<String>>,
    pub brand_name: Patch<Option<String>>,
    pub logo_url: Patch<Option<String>>,
    pub accent_color: Patch<Option<String>>,
    pub default_language: Patch<Option<String>>,
    pub support: Patch<Option<String>>,
}

pub mod field {
    pub const SENDER_NAME: &str = "senderName";
    pub const SENDER_ADDRESS: &str = "senderAddress";
    pub const REPLY_TO: &str = "replyTo";
    pub const BRAND_NAME: &str = "brandName";
    pub const LOGO_URL: &str = "logoUrl";
    pub const ACCENT_COLOR: &str = "accentColor";
    pub const DEFAULT_LANGUAGE: &str = "defaultLanguage";
    pub const SUPPORT: &str = "support";
}

fn display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("must be at most 100 characters without control characters".into());
    }
    Ok(name.to_owned())
}

fn address(raw: &str) -> Result<String, String> {
    crate::values::Email::parse(raw).map(|e| e.as_str().to_owned())
}

/// An address mail goes out from or replies go to: as [`address`], and a plain dot-atom local
/// part and a domain name (no `a..b@`, no `@[10.0.0.1]`), which every mail library takes.
fn mailbox(raw: &str) -> Result<String, String> {
    let address = address(raw)?;
    let (local, domain) = address.rsplit_once('@').unwrap_or_default();
    let dot_atom = !local.starts_with('.') && !local.ends_with('.') && !local.contains("..");
    if !dot_atom || domain.starts_with('[') || local.contains('"') {
        return Err("must be a plain address such as hello@example.com".into());
    }
    Ok(address)
}

fn https_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let ok = url.chars().count() <= 2000
        && url
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if ok {
        Ok(url.to_owned())
    } else {
        Err("must be an https URL".into())
    }
}

fn support(raw: &str) -> Result<String, String> {
    if raw.trim().starts_with("https://") {
        https_url(raw)
    } else {
        address(raw).map_err(|_| "must be an email address or an https URL".to_owned())
    }
}

impl MessageSettings {
    /// `change` applied, every field checked; the problems go to `errors`.
    pub fn apply(&self, change: MessageSettingsChange, errors: &mut FieldErrors) -> MessageSettings {
        let mut next = self.clone();
        let mut set = |slot: &mut Option<String>,
                       patch: Patch<Option<String>>,
                       field: &str,
                       check: fn(&str) -> Result<String, String>| {
            if let Patch::Set(value) = patch {
                match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                    None => *slot = None,
                    Some(v) => match check(v) {
                        Ok(v) if v.is_empty() => *slot = None,
                        Ok(v) => *slot = Some(v),
                        Err(message) => errors.add(field, message),
                    },
                }
            }
        };
        set(
            &mut next.sender_name,
            change.sender_name,
            field::SENDER_NAME,
            display_name,
        );
        set(
            &mut next.sender_address,
            change.sender_address,
            field::SENDER_ADDRESS,
            mailbox,
        );
        set(&mut next.reply_to, change.reply_to, field::REPLY_TO, mailbox);
        set(
            &mut next.brand_name,
            change.brand_name,
            field::BRAND_NAME,
            display_name,
        );
        set(&mut next.logo_url, change.logo_url, field::LOGO_URL, https_url);
        set(
            &mut next.accent_color,
            change.accent_color,
            field::ACCENT_COLOR,
            |c| checked_color(c).ok_or_else(|| "must be a colour as #rrggbb".to_owned()),
        );
        set(&mut next.support, change.support, field::SUPPORT, support);
        let mut language = next.default_language.as_ref().map(|l| l.as_str().to_owned());
        set(
            &mut language,
            change.default_language,
            field::DEFAULT_LANGUAGE,
            |l| {
                Language::parse(l)
                    .map(|l| l.as_str().to_owned())
                    .ok_or_else(|| Language::RULE.to_owned())
            },
        );
        next.default_language = language.as_deref().and_then(Language::parse);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let mut errors = FieldErrors::new();
        let next = MessageSettings::default().apply(
            MessageSettingsChange {
                sender_name: Patch::Set(Some(" Acme Shop ".into())),
                sender_address: Patch::Set(Some("hello@acme.example".into())),
                logo_url: Patch::Set(Some("http://acme.example/logo.png".into())),
                accent_color: Patch::Set(Some("#0B5CAD".into())),
                default_language: Patch::Set(Some("DE".into())),
                support: Patch::Set(Some("javascript:alert(1)".into())),
                ..Default::default()
            },
            &mut errors,
        );
        assert_eq!(next.sender_name.as_deref(), Some("Acme Shop"));
        assert_eq!(next.accent_color.as_deref(), Some("#0b5cad"));
        assert_eq!(next.default_language.as_ref().map(Language::as_str), Some("de"));
        let fields: Vec<&String> = errors.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, [field::LOGO_URL, field::SUPPORT]);
    }

    #[test]
    fn senders_are_plain_addresses() {
        for bad in ["care..team@acme.example", ".care@acme.example", "care@[10.0.0.1]"] {
            let mut errors = FieldErrors::new();
            MessageSettings::default().apply(
                MessageSettingsChange {
                    reply_to: Patch::Set(Some(bad.into())),
                    ..Default::default()
                },
                &mut errors,
            );
            assert!(!errors.is_empty(), "{bad}");
        }
    }

    #[test]
    fn empty_clears() {
        let mut errors = FieldErrors::new();
        let set = MessageSettings {
            brand_name: Some("Acme".into()),
            ..Default::default()
        };
        let next = set.apply(
            MessageSettingsChange {
                brand_name: Patch::Set(Some(" ".into())),
                ..Default::default()
            },
            &mut errors,
        );
        assert_eq!(next.brand_name, None);
        assert!(errors.is_empty());
    }
}
