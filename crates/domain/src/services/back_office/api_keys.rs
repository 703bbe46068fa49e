//! API keys of a tenant's apps: issued once, stored as prefix and digest, checked in constant
//! time, revoked at once.

use std::sync::Arc;

use time::Duration;

use crate::api_key::{self, ApiKey, ApiKeyId};
use crate::error::DomainError;
use crate::ports::{
    ApiKeyRepository, Clock, Randomness, SecretDigester, StoreError, TenantRepository, UniqueKey,
};
use crate::tenant::{checked_name, TenantId};

/// A use is recorded at most this often per key, so that a busy app does not turn every
/// request into a write.
const TOUCH_EVERY: Duration = Duration::minutes(1);
const ATTEMPTS: usize = 5;

pub struct ApiKeys {
    keys: Arc<dyn ApiKeyRepository>,
    tenants: Arc<dyn TenantRepository>,
    digester: Arc<dyn SecretDigester>,
    random: Arc<dyn Randomness>,
    clock: Arc<dyn Clock>,
}

/// A key just issued: the only time the key itself exists outside its holder.
pub struct IssuedKey {
    pub key: ApiKey,
    pub secret: String,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ApiKeys {
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        tenants: Arc<dyn TenantRepository>,
        digester: Arc<dyn SecretDigester>,
        random: Arc<dyn Randomness>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        ApiKeys {
            keys,
            tenants,
            digester,
            random,
            clock,
        }
    }

    async fn tenant(&self, tenant: &str) -> Result<TenantId, DomainError> {
        let id = TenantId::parse(tenant).ok_or(DomainError::NotFound)?;
        match self.tenants.get_tenant(&id).await? {
            Some(_) => Ok(id),
            None => Err(DomainError::NotFound),
        }
    }

    /// A new key for the tenant's app named `name`; `NotFound` for an unknown tenant.
    pub async fn issue(&self, tenant: &str, name: &str) -> Result<IssuedKey, DomainError> {
        let name = checked_name(name)?;
        let tenant = self.tenant(tenant).await?;
        for _ in 0..ATTEMPTS {
            let prefix = format!(
                "{}{}",
                api_key::KEY_MARK,
                self.random.string_from(api_key::ALPHABET, api_key::PREFIX_LEN)
            );
            let secret = format!(
                "{prefix}_{}",
                self.random.string_from(api_key::ALPHABET, api_key::SECRET_LEN)
            );
            let key = ApiKey {
                id: ApiKeyId(self.random.uuid()),
                tenant: tenant.clone(),
                name: name.clone(),
                prefix,
                digest: self.digester.digest(&secret),
                created_at: self.clock.now(),
                last_used_at: None,
                revoked_at: None,
            };
            match self.keys.insert_key(&key).await {
                Err(StoreError::Duplicate(UniqueKey::Id)) => continue,
                other => {
                    return other
                        .map(|()| IssuedKey { key, secret })
                        .map_err(DomainError::from)
                }
            }
        }
        Err(DomainError::Unavailable(
            "could not draw an unused key prefix".into(),
        ))
    }

    pub async fn list(&self, tenant: &str) -> Result<Vec<ApiKey>, DomainError> {
        let tenant = self.tenant(tenant).await?;
        Ok(self.keys.list_keys(&tenant).await?)
    }

    /// Revokes the key; `NotFound` when the tenant has no key with that id.
    pub async fn revoke(&self, tenant: &str, id: &str) -> Result<(), DomainError> {
        let tenant = self.tenant(tenant).await?;
        let id = uuid::Uuid::parse_str(id).map_err(|_| DomainError::NotFound)?;
        if self
            .keys
            .revoke_key(&tenant, ApiKeyId(id), self.clock.now())
            .await?
        {
            Ok(())
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// The live key of `tenant` (as the request named it) that `presented` is;
    /// `Unauthenticated` for anything else: a malformed, unknown, revoked or other tenant's key
    /// and an unknown tenant alike, after the same work.
    pub async fn authenticate(&self, tenant: &str, presented: &str) -> Result<ApiKey, DomainError> {
        let Some(prefix) = api_key::prefix_of(presented) else {
            return Err(DomainError::Unauthenticated);
        };
        let stored = self.keys.find_key_by_prefix(prefix).await?;
        // The digest is compared even when no key has the prefix, so that the time taken does
        // not say whether a prefix exists.
        let digest = stored.as_ref().map_or("", |k| k.digest.as_str());
        let matches = self.digester.matches(presented, digest);
        let key = match stored {
            Some(key) if matches && key.tenant.as_str() == tenant && key.revoked_at.is_none() => key,
            _ => return Err(DomainError::Unauthenticated),
        };
        let now = self.clock.now();
        if key.last_used_at.is_none_or(|last| now - last >= TOUCH_EVERY) {
            // Best effort: a failed bookkeeping write does not refuse a valid key, and the next
            // use tries again.
            let _ = self.keys.touch_key(key.id, now).await;
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::ports::{
        MockApiKeyRepository, MockClock, MockRandomness, MockSecretDigester, MockTenantRepository,
    };
    use crate::tenant::{Tenant, TenantSettings};

    fn acme() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    fn stored(digest: &str) -> ApiKey {
        ApiKey {
            id: ApiKeyId(uuid::Uuid::nil()),
            tenant: acme(),
            name: "shop".into(),
            prefix: "clk_AAAAAAAAAAAA".into(),
            digest: digest.into(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            last_used_at: None,
            revoked_at: None,
        }
    }

    fn service(keys: MockApiKeyRepository) -> ApiKeys {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_get_tenant().returning(|id| {
            Ok((id.as_str() == "acme").then(|| Tenant {
                id: id.clone(),
                name: "Acme".into(),
                settings: TenantSettings::default(),
                created_at: time::OffsetDateTime::UNIX_EPOCH,
            }))
        });
        let mut digester = MockSecretDigester::new();
        digester.expect_digest().returning(|s| format!("d({s})"));
        digester.expect_matches().returning(|s, d| format!("d({s})") == d);
        let mut random = MockRandomness::new();
        random.expect_uuid().returning(uuid::Uuid::new_v4);
        let counter = Mutex::new(0u8);
        random.expect_string_from().returning(move |_, len| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            // The first two prefixes collide, then every draw differs.
            let letter = if *n <= 2 { b'A' } else { b'A' + *n };
            String::from_utf8(vec![letter; len]).unwrap()
        });
        let mut clock = MockClock::new();
        clock
            .expect_now()
            .return_const(time::OffsetDateTime::UNIX_EPOCH + Duration::hours(1));
        ApiKeys::new(
            Arc::new(keys),
            Arc::new(tenants),
            Arc::new(digester),
            Arc::new(random),
            Arc::new(clock),
        )
    }

    fn key_with(prefix_letter: char, secret_letter: char) -> String {
        format!(
            "clk_{}_{}",
            prefix_letter.to_string().repeat(12),
            secret_letter.to_string().repeat(32)
        )
    }

    #[tokio::test]
    async fn issue_stores_only_a_digest_and_draws_again_on_a_collision() {
        let mut keys = MockApiKeyRepository::new();
        let mut calls = 0;
        keys.expect_insert_key().times(2).returning(move |key| {
            calls += 1;
            assert!(key.digest.starts_with("d("), "stored as its digest");
            if calls == 1 {
                Err(StoreError::Duplicate(UniqueKey::Id))
            } else {
                Ok(())
            }
        });
        let issued = service(keys).issue("acme", "shop").await.unwrap();
        assert!(issued.secret.starts_with(&issued.key.prefix));
        assert_eq!(
            api_key::prefix_of(&issued.secret),
            Some(issued.key.prefix.as_str())
        );
        assert_eq!(issued.key.digest, format!("d({})", issued.secret));
        assert!(
            !format!("{issued:?}").contains(&issued.secret),
            "Debug shows the key"
        );
    }

    #[tokio::test]
    async fn keys_of_unknown_tenants_are_not_issued() {
        let keys = MockApiKeyRepository::new();
        assert!(matches!(
            service(keys).issue("nobody", "shop").await,
            Err(DomainError::NotFound)
        ));
    }

    #[tokio::test]
    async fn only_the_live_key_of_the_tenant_authenticates() {
        let right = key_with('A', 'b');
        let mut keys = MockApiKeyRepository::new();
        let digest = format!("d({right})");
        keys.expect_find_key_by_prefix()
            .returning(move |p| Ok((p == "clk_AAAAAAAAAAAA").then(|| stored(&digest))));
        keys.expect_touch_key().times(1).returning(|_, _| Ok(()));
        let service = service(keys);
        assert!(service.authenticate("acme", &right).await.is_ok());
        for (tenant, presented) in [
            ("acme", key_with('A', 'c')),
            ("acme", key_with('B', 'b')),
            ("acme", "not a key".to_owned()),
            ("other", right.clone()),
            ("", right.clone()),
        ] {
            assert!(
                matches!(
                    service.authenticate(tenant, &presented).await,
                    Err(DomainError::Unauthenticated)
                ),
                "{tenant} {presented}"
            );
        }
    }

    #[tokio::test]
    async fn a_revoked_key_fails() {
        let right = key_with('A', 'b');
        let mut keys = MockApiKeyRepository::new();
        let digest = format!("d({right})");
        keys.expect_find_key_by_prefix().returning(move |_| {
            Ok(Some(ApiKey {
                revoked_at: Some(time::OffsetDateTime::UNIX_EPOCH),
                ..stored(&digest)
            }))
        });
        assert!(matches!(
            service(keys).authenticate("acme", &right).await,
            Err(DomainError::Unauthenticated)
        ));
    }
}
