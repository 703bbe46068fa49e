//! Where the links in a tenant's messages point.

use crate::tenant::{Tenant, TenantId};

/// Where links in messages point.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// The customer-facing web app's base URL (`CLIENTELE_PUBLIC_URL`).
    pub public_url: String,
    /// Origins absolute links may point to (`CLIENTELE_ALLOWED_REDIRECTS`).
    pub allowed_origins: Vec<String>,
    /// The tenant a page link acts for, when not the default one: the page must send it.
    pub tenant: Option<TenantId>,
}

impl LinkSettings {
    /// A link to a page of the web app, naming the tenant (`?tenant=`) unless it is the default,
    /// with the page's secrets in the fragment: browsers never send a fragment to a server, so
    /// the secret stays out of access logs, proxies and `Referer` headers.
    pub fn page(&self, path: &str, fragment: &str) -> String {
        let base = format!("{}{}", self.public_url.trim_end_matches('/'), path);
        match &self.tenant {
            Some(tenant) => format!("{base}?tenant={tenant}#{fragment}"),
            None => format!("{base}#{fragment}"),
        }
    }

    /// `link` naming the tenant (`tenant=` in its query, before any fragment) unless it is the
    /// default: the page it opens must send it (a reset link, say, whose code is in its path).
    pub fn naming_tenant(&self, link: &str) -> String {
        let Some(tenant) = &self.tenant else {
            return link.to_owned();
        };
        let cut = link.find('#').unwrap_or(link.len());
        let (before, fragment) = link.split_at(cut);
        let separator = if before.contains('?') { '&' } else { '?' };
        format!("{before}{separator}tenant={tenant}{fragment}")
    }

    /// The links of `tenant`'s messages: its web app, when it has one, instead of the
    /// instance's public URL; its redirect origins (and its web app's) besides the instance's.
    pub fn for_tenant(&self, tenant: Option<&Tenant>) -> LinkSettings {
        let Some(tenant) = tenant else {
            return self.clone();
        };
        let settings = &tenant.settings;
        let mut allowed_origins = self.allowed_origins.clone();
        allowed_origins.extend(settings.allowed_redirect_origins.iter().cloned());
        allowed_origins.extend(settings.web_app_url.iter().cloned());
        LinkSettings {
            public_url: settings
                .web_app_url
                .clone()
                .unwrap_or_else(|| self.public_url.clone()),
            allowed_origins,
            tenant: (tenant.id != TenantId::default_tenant()).then(|| tenant.id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_a_tenant_other_than_the_default() {
        let mut links = LinkSettings {
            public_url: "https://id.example".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        };
        assert_eq!(
            links.naming_tenant("https://id.example/customers/do_reset/C0DE"),
            "https://id.example/customers/do_reset/C0DE"
        );
        links.tenant = TenantId::parse("beta");
        assert_eq!(
            links.naming_tenant("https://id.example/customers/do_reset/C0DE"),
            "https://id.example/customers/do_reset/C0DE?tenant=beta"
        );
        assert_eq!(
            links.naming_tenant("https://app.example/reset?x=1#top"),
            "https://app.example/reset?x=1&tenant=beta#top"
        );
        assert_eq!(
            links.page("/customers/activate", "identifier=I&secret=S"),
            "https://id.example/customers/activate?tenant=beta#identifier=I&secret=S"
        );
    }
}
