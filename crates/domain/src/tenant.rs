use std::fmt;

/// The tenant every row belongs to. Surfaces without a `tenant` header act for the default one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    pub const DEFAULT: &'static str = "default";

    pub fn default_tenant() -> Self {
        TenantId(Self::DEFAULT.to_owned())
    }

    /// Tenant ids are short slugs: 1-64 of `[a-z0-9_-]`.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        ok.then(|| TenantId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client company served by this instance: its customers, settings and API keys never meet
/// another tenant's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    /// Shown in mails and pages; 1-200 characters.
    pub name: String,
    pub settings: TenantSettings,
    pub created_at: time::OffsetDateTime,
}

/// What a tenant may set for itself. `None` / empty: the instance's configuration applies (the
/// environment variables are the defaults of every tenant).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantSettings {
    /// The tenant's web app, where mailed links point (`https://app.example.com`).
    pub web_app_url: Option<String>,
    /// Origins that links sent by clients may point to, besides the web app's.
    pub allowed_redirect_origins: Vec<String>,
    /// How national phone numbers are read (ISO 3166-1 alpha-2, e.g. `IN`).
    pub phone_region: Option<String>,
    /// What closing an account does with its personal data.
    pub closing: ClosingPolicy,
    /// Where notices for the tenant's operators go (a webhook endpoint disabled, say).
    pub operator_email: Option<String>,
    /// Sender, brand and language of its messages.
    pub messages: crate::messages::MessageSettings,
}

/// What happens to a closed account's personal data (the back office's "Delete data" and
/// "Request required for Deleting Data" options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosingPolicy {
    /// Erase the personal data once the account is closed; otherwise keep it (and the account
    /// can be reactivated by the back office).
    pub delete_personal_data: bool,
    /// Erase only once the back office approves a deletion request.
    pub deletion_requires_approval: bool,
}

/// Today's behaviour: closing erases at once.
impl Default for ClosingPolicy {
    fn default() -> Self {
        ClosingPolicy {
            delete_personal_data: true,
            deletion_requires_approval: false,
        }
    }
}

/// What the policy does with a closed account's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosingDecision {
    /// Data kept; the back office may reactivate the account.
    Keep,
    /// Data erased in the same commit as the closing.
    EraseNow,
    /// Data kept until the back office approves (erase) or rejects (keep) a deletion request.
    RequestDeletion,
}

impl ClosingPolicy {
    pub fn decide(self) -> ClosingDecision {
        match (self.delete_personal_data, self.deletion_requires_approval) {
            (false, _) => ClosingDecision::Keep,
            (true, false) => ClosingDecision::EraseNow,
            (true, true) => ClosingDecision::RequestDeletion,
        }
    }
}

/// A change to a tenant's name or settings; `None` / `Keep` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantChange {
    pub name: Option<String>,
    pub web_app_url: crate::Patch<Option<String>>,
    pub allowed_redirect_origins: Option<Vec<String>>,
    pub phone_region: crate::Patch<Option<String>>,
    pub delete_personal_data: Option<bool>,
    pub deletion_requires_approval: Option<bool>,
    pub operator_email: crate::Patch<Option<String>>,
    pub messages: crate::messages::MessageSettingsChange,
}

pub mod field {
    pub const ID: &str = "id";
    pub const NAME: &str = "name";
    pub const WEB_APP_URL: &str = "webAppUrl";
    pub const ALLOWED_REDIRECT_ORIGINS: &str = "allowedRedirectOrigins";
    pub const PHONE_REGION: &str = "phoneRegion";
    pub const OPERATOR_EMAIL: &str = "operatorEmail";
}

const ID_RULE: &str = "must be 1-64 characters of a-z, 0-9, - and _";

impl TenantId {
    /// The id, or the rule it breaks.
    pub fn checked(raw: &str) -> Result<Self, crate::FieldErrors> {
        Self::parse(raw).ok_or_else(|| crate::FieldErrors::single(field::ID, ID_RULE))
    }
}

/// A display name: at most 200 characters as sent, trimmed, not empty, no control characters.
pub fn checked_name(raw: &str) -> Result<String, crate::FieldErrors> {
    let name = raw.trim();
    if name.is_empty() || raw.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(crate::FieldErrors::single(
            field::NAME,
            "must be 1-200 characters without control characters",
        ));
    }
    Ok(name.to_owned())
}

impl TenantChange {
    /// What is wrong with the change, whatever tenant it is applied to (for reporting every
    /// problem at once alongside those of the request's shape).
    pub fn problems(&self) -> crate::FieldErrors {
        let any = Tenant {
            id: TenantId::default_tenant(),
            name: "any".into(),
            settings: TenantSettings::default(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        any.apply(self.clone()).err().unwrap_or_default()
    }
}

impl Tenant {
    /// Applies `change`, checking every field; on error nothing is applied.
    pub fn apply(&self, change: TenantChange) -> Result<Tenant, crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        let mut next = self.clone();
        if let Some(name) = change.name {
            match checked_name(&name) {
                Ok(name) => next.name = name,
                Err(e) => errors.extend(e),
            }
        }
        if let crate::Patch::Set(url) = change.web_app_url {
            match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                None => next.settings.web_app_url = None,
                Some(url) => match crate::links::web_origin(url) {
                    Some(_) => next.settings.web_app_url = Some(url.trim_end_matches('/').to_owned()),
                    None => errors.add(field::WEB_APP_URL, "must be an absolute http or https URL"),
                },
            }
        }
        if let Some(origins) = change.allowed_redirect_origins {
            let mut checked = Vec::new();
            for origin in origins {
                match crate::links::web_origin(origin.trim()) {
                    Some(o) if o.len() == origin.trim().trim_end_matches('/').len() => checked.push(o),
                    _ => errors.add(
                        field::ALLOWED_REDIRECT_ORIGINS,
                        format!("{origin:?} is not an origin such as https://app.example.com"),
                    ),
                }
            }
            next.settings.allowed_redirect_origins = checked;
        }
        if let crate::Patch::Set(region) = change.phone_region {
            match region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                None => next.settings.phone_region = None,
                Some(r) if crate::values::PhoneRegion::parse(r).is_some() => {
                    next.settings.phone_region = Some(r.to_ascii_uppercase())
                }
                Some(_) => errors.add(field::PHONE_REGION, "must be a two-letter region code such as IN"),
            }
        }
        if let crate::Patch::Set(address) = change.operator_email {
            match address.as_deref() {
                None => next.settings.operator_email = None,
                Some(a) => match crate::values::Email::parse(a) {
                    Ok(email) => next.settings.operator_email = Some(email.as_str().to_owned()),
                    Err(message) => errors.add(field::OPERATOR_EMAIL, message),
                },
            }
        }
        next.settings.messages = self.settings.messages.apply(change.messages, &mut errors);
        if let Some(delete) = change.delete_personal_data {
            next.settings.closing.delete_personal_data = delete;
        }
        if let Some(approval) = change.deletion_requires_approval {
            next.settings.closing.deletion_requires_approval = approval;
        }
        errors.into_result(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant {
            id: TenantId::parse("acme").unwrap(),
            name: "Acme".into(),
            settings: TenantSettings::default(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn ids_are_slugs() {
        assert!(TenantId::checked("acme-eu_2").is_ok());
        for bad in ["", "Acme", "a b", "ümlaut", &"x".repeat(65)] {
            assert!(TenantId::checked(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn settings_are_checked_all_or_nothing() {
        let changed = tenant()
            .apply(TenantChange {
                name: Some("  Acme Ltd ".into()),
                web_app_url: crate::Patch::Set(Some("https://app.acme.example/".into())),
                allowed_redirect_origins: Some(vec!["https://Shop.acme.example".into()]),
                phone_region: crate::Patch::Set(Some("in".into())),
                ..TenantChange::default()
            })
            .unwrap();
        assert_eq!(changed.name, "Acme Ltd");
        assert_eq!(
            changed.settings.web_app_url.as_deref(),
            Some("https://app.acme.example")
        );
        assert_eq!(
            changed.settings.allowed_redirect_origins,
            ["https://shop.acme.example"]
        );
        assert_eq!(changed.settings.phone_region.as_deref(), Some("IN"));

        let refused = tenant()
            .apply(TenantChange {
                name: Some("ok".into()),
                web_app_url: crate::Patch::Set(Some("javascript:alert(1)".into())),
                allowed_redirect_origins: Some(vec!["https://a.example/path".into()]),
                phone_region: crate::Patch::Set(Some("IND".into())),
                ..TenantChange::default()
            })
            .unwrap_err();
        let fields: Vec<&String> = refused.iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                field::ALLOWED_REDIRECT_ORIGINS,
                field::PHONE_REGION,
                field::WEB_APP_URL
            ]
        );

        let cleared = changed
            .apply(TenantChange {
                web_app_url: crate::Patch::Set(None),
                phone_region: crate::Patch::Set(Some(String::new())),
                ..TenantChange::default()
            })
            .unwrap();
        assert_eq!(cleared.settings.web_app_url, None);
        assert_eq!(cleared.settings.phone_region, None);
    }
}
