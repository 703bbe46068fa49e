//! Whose voice a message is in: the tenant's sender, brand and colours, or the instance's
//! where the tenant set none.

use super::{Language, Variables};
use crate::tenant::Tenant;

/// The instance's configuration: every tenant's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceBranding {
    pub sender_name: String,
    pub sender_address: String,
    pub brand: String,
    pub accent_color: String,
}

impl InstanceBranding {
    pub const ACCENT: &'static str = "#2563eb";

    /// From `CLIENTELE_MAIL_FROM` (`Name <address>` or an address) and an optional brand name
    /// (else the sender's display name, else "Clientele").
    pub fn from_config(mail_from: &str, brand: Option<&str>) -> Self {
        let (name, address) = match (mail_from.rfind('<'), mail_from.rfind('>')) {
            (Some(open), Some(close)) if open < close => (
                mail_from[..open].trim().trim_matches('"').trim().to_owned(),
                mail_from[open + 1..close].trim().to_owned(),
            ),
            _ => (String::new(), mail_from.trim().to_owned()),
        };
        let brand = brand
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned)
            .or_else(|| (!name.is_empty()).then(|| name.clone()))
            .unwrap_or_else(|| "Clientele".to_owned());
        InstanceBranding {
            sender_name: if name.is_empty() { brand.clone() } else { name },
            sender_address: address,
            brand,
            accent_color: Self::ACCENT.to_owned(),
        }
    }
}

/// The branding of one tenant's messages, every setting resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branding {
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: Option<String>,
    pub brand: String,
    pub logo_url: Option<String>,
    pub accent_color: String,
    pub support: Option<String>,
    pub default_language: Option<Language>,
}

impl Branding {
    /// `tenant`'s settings over the instance's; a tenant that set a brand but no sender name
    /// sends under its brand.
    pub fn resolve(instance: &InstanceBranding, tenant: Option<&Tenant>) -> Self {
        let Some(tenant) = tenant else {
            return Branding {
                sender_name: instance.sender_name.clone(),
                sender_address: instance.sender_address.clone(),
                reply_to: None,
                brand: instance.brand.clone(),
                logo_url: None,
                accent_color: instance.accent_color.clone(),
                support: None,
                default_language: None,
            };
        };
        let s = &tenant.settings.messages;
        let brand = s.brand_name.clone().unwrap_or_else(|| {
            if tenant.id.as_str() == crate::tenant::TenantId::DEFAULT {
                instance.brand.clone()
            } else {
                tenant.name.clone()
            }
        });
        let sender_name = s.sender_name.clone().unwrap_or_else(|| {
            if s.brand_name.is_some() || tenant.id.as_str() != crate::tenant::TenantId::DEFAULT {
                brand.clone()
            } else {
                instance.sender_name.clone()
            }
        });
        Branding {
            sender_name,
            sender_address: s
                .sender_address
                .clone()
                .unwrap_or_else(|| instance.sender_address.clone()),
            reply_to: s.reply_to.clone(),
            brand,
            logo_url: s.logo_url.clone(),
            accent_color: s
                .accent_color
                .clone()
                .unwrap_or_else(|| instance.accent_color.clone()),
            support: s.support.clone(),
            default_language: s.default_language.clone(),
        }
    }

    /// The `From` mailbox: the display name quoted.
    pub fn sender(&self) -> String {
        let name = self.sender_name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{name}\" <{}>", self.sender_address)
    }

    /// The variables every template has, for a message in `language`.
    pub fn variables(&self, language: &Language) -> Variables {
        let mut v = Variables::new();
        v.set("brand", self.brand.clone());
        v.set("logo_url", self.logo_url.clone().unwrap_or_default());
        v.set("accent_color", self.accent_color.clone());
        v.set("accent_text_color", readable_on(&self.accent_color));
        let support = self.support.clone().unwrap_or_default();
        let link = if support.contains('@') && !support.contains("://") {
            format!("mailto:{support}")
        } else {
            support.clone()
        };
        v.set("support", support);
        v.set("support_link", link);
        v.set("replies_read", if self.reply_to.is_some() { "yes" } else { "" });
        v.set("lang", language.as_str());
        v
    }
}

/// White or near-black, whichever contrasts more with `#rrggbb` (WCAG relative luminance).
pub fn readable_on(color: &str) -> &'static str {
    let channel = |i: usize| {
        let c = u8::from_str_radix(color.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0) as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    let dark = 0.0137; // #111827
    if (1.05) / (l + 0.05) >= (l + 0.05) / (dark + 0.05) {
        "#ffffff"
    } else {
        "#111827"
    }
}

/// An accent colour as settings take it: `#rrggbb`, lowercased.
pub fn checked_color(raw: &str) -> Option<String> {
    let c = raw.trim();
    (c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| c.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_sender_from_config() {
        let i = InstanceBranding::from_config("Clientele <no-reply@localhost>", None);
        assert_eq!(
            (
                i.sender_name.as_str(),
                i.sender_address.as_str(),
                i.brand.as_str()
            ),
            ("Clientele", "no-reply@localhost", "Clientele")
        );
        let i = InstanceBranding::from_config("mail@acme.example", Some("Acme"));
        assert_eq!((i.sender_name.as_str(), i.brand.as_str()), ("Acme", "Acme"));
    }

    #[test]
    fn text_on_the_accent_is_readable() {
        assert_eq!(readable_on("#2563eb"), "#ffffff");
        assert_eq!(readable_on("#ffd400"), "#111827");
        assert_eq!(readable_on("#000000"), "#ffffff");
    }

    #[test]
    fn sender_quotes_the_name() {
        let i = InstanceBranding::from_config("a@b.example", Some("Say \"hi\""));
        let b = Branding::resolve(&i, None);
        assert_eq!(b.sender(), "\"Say \\\"hi\\\"\" <a@b.example>");
    }
}
