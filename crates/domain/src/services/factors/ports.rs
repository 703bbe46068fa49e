use std::sync::Arc;

use crate::error::DomainError;
use crate::ports::{AuthenticatorApps, Passkeys, RelyingParty, Sealer, TenantRepository};
use crate::tenant::TenantId;

/// What strong factors need besides [`crate::services::Deps`] and the flows: the apps' codes,
/// passkeys, the sealer of their secrets (under its own key), and who the relying party is.
#[derive(Clone)]
pub struct FactorPorts {
    pub apps: Arc<dyn AuthenticatorApps>,
    pub passkeys: Arc<dyn Passkeys>,
    pub sealer: Arc<dyn Sealer>,
    pub party: PartySettings,
}

/// The instance's WebAuthn settings: a relying-party id and origins that override what each
/// tenant's web app (or the public URL) implies.
#[derive(Debug, Clone, Default)]
pub struct PartySettings {
    /// `CLIENTELE_WEBAUTHN_RP_ID`.
    pub id: Option<String>,
    /// `CLIENTELE_WEBAUTHN_ORIGINS`.
    pub origins: Vec<String>,
    /// `CLIENTELE_PUBLIC_URL`.
    pub public_url: String,
}

/// `https://app.example.com:8443/path` → (`https`, `app.example.com`, `:8443`).
fn parts(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let (host, port) = match authority.rfind(':') {
        Some(at) if !authority.ends_with(']') => (&authority[..at], &authority[at..]),
        _ => (authority, ""),
    };
    (!host.is_empty()).then_some((scheme, host, port))
}

fn origin(url: &str) -> Option<String> {
    parts(url).map(|(scheme, host, port)| format!("{scheme}://{host}{port}"))
}

impl FactorPorts {
    /// The relying party passkeys of `tenant`'s customers belong to: the configured id, or the
    /// host of the tenant's web app, or of the public URL; the configured origins, or those of
    /// the web app and the public URL.
    pub async fn party(
        &self,
        tenants: &dyn TenantRepository,
        tenant: &TenantId,
    ) -> Result<RelyingParty, DomainError> {
        let found = tenants.get_tenant(tenant).await?;
        let web_app = found.as_ref().and_then(|t| t.settings.web_app_url.clone());
        let name = found
            .map(|t| t.name)
            .unwrap_or_else(|| tenant.as_str().to_owned());
        let settings = &self.party;
        let id = settings
            .id
            .clone()
            .or_else(|| {
                web_app
                    .as_deref()
                    .and_then(parts)
                    .map(|(_, host, _)| host.to_owned())
            })
            .or_else(|| parts(&settings.public_url).map(|(_, host, _)| host.to_owned()))
            .unwrap_or_default();
        let origins = if settings.origins.is_empty() {
            web_app
                .iter()
                .chain(std::iter::once(&settings.public_url))
                .filter_map(|url| origin(url))
                .collect()
        } else {
            settings.origins.clone()
        };
        Ok(RelyingParty { id, name, origins })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_hosts_are_read_from_urls() {
        assert_eq!(
            parts("https://app.example.com:8443/a?b"),
            Some(("https", "app.example.com", ":8443"))
        );
        assert_eq!(
            origin("http://localhost:8080/"),
            Some("http://localhost:8080".into())
        );
        assert_eq!(
            origin("https://shop.example.com"),
            Some("https://shop.example.com".into())
        );
        assert_eq!(origin("not a url"), None);
    }

    fn ports(id: Option<&str>, origins: &[&str]) -> FactorPorts {
        FactorPorts {
            apps: Arc::new(crate::ports::MockAuthenticatorApps::new()),
            passkeys: Arc::new(crate::ports::MockPasskeys::new()),
            sealer: Arc::new(crate::ports::MockSealer::new()),
            party: PartySettings {
                id: id.map(str::to_owned),
                origins: origins.iter().map(|o| o.to_string()).collect(),
                public_url: "https://accounts.example.com:8443/base".into(),
            },
        }
    }

    #[tokio::test]
    async fn the_relying_party_is_the_tenants_web_app_unless_configured() {
        use crate::tenant::{Tenant, TenantSettings};
        let mut tenants = crate::ports::MockTenantRepository::new();
        tenants.expect_get_tenant().returning(|id| {
            Ok((id.as_str() == "acme").then(|| Tenant {
                id: id.clone(),
                name: "Acme".into(),
                settings: TenantSettings {
                    web_app_url: Some("https://shop.acme.test/app".into()),
                    ..TenantSettings::default()
                },
                created_at: time::OffsetDateTime::UNIX_EPOCH,
            }))
        });
        let acme = TenantId::parse("acme").unwrap();
        let derived = ports(None, &[]).party(&tenants, &acme).await.unwrap();
        assert_eq!(
            derived,
            RelyingParty {
                id: "shop.acme.test".into(),
                name: "Acme".into(),
                origins: vec![
                    "https://shop.acme.test".into(),
                    "https://accounts.example.com:8443".into()
                ],
            }
        );
        let configured = ports(Some("acme.test"), &["https://login.acme.test"])
            .party(&tenants, &acme)
            .await
            .unwrap();
        assert_eq!(
            (configured.id.as_str(), configured.origins),
            ("acme.test", vec!["https://login.acme.test".to_owned()])
        );
        // No web app: the public URL's host, and the tenant's id for a name.
        let other = TenantId::parse("other").unwrap();
        let fallback = ports(None, &[]).party(&tenants, &other).await.unwrap();
        assert_eq!(
            (fallback.id.as_str(), fallback.name.as_str()),
            ("accounts.example.com", "other")
        );
    }
}
