//! Name resolution that keeps only the addresses the policy admits: the client connects to
//! nothing else, so a name cannot be pointed at the service's own network after the check.

use std::net::SocketAddr;

use clientele_domain::webhooks::{UrlPolicy, UrlRefusal};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

pub struct GuardedResolver {
    policy: UrlPolicy,
}

impl GuardedResolver {
    pub fn new(policy: UrlPolicy) -> Self {
        GuardedResolver { policy }
    }

    /// `host`'s addresses, if it has some and the policy admits every one (a name with one
    /// private address among public ones is refused whole: which one is used is not ours to
    /// pick).
    pub async fn admitted(&self, host: &str) -> Result<Vec<SocketAddr>, UrlRefusal> {
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|_| UrlRefusal::Unresolvable(host.to_owned()))?
            .collect();
        if found.is_empty() {
            return Err(UrlRefusal::Unresolvable(host.to_owned()));
        }
        for address in &found {
            self.policy.check(address.ip())?;
        }
        Ok(found)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let admitted = GuardedResolver { policy }.admitted(name.as_str()).await?;
            Ok(Box::new(admitted.into_iter()) as Addrs)
        })
    }
}
