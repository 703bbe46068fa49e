//! The TSS profile as its customer reads it: personal fields, wallet balances and order
//! statistics, and a referral code made the first time it is read.

use std::sync::Arc;

use crate::account::Account;
use crate::error::DomainError;
use crate::loyalty::{OrderStats, WalletSummary};
use crate::ports::{StoreError, UniqueKey};
use crate::profile::Profile;
use crate::services::support::FlowDeps;
use crate::services::{Authenticated, Deps, Loyalty};
use crate::tenant::TenantId;
use crate::values::PhoneRegion;

/// Tries at a free referral code (four random digits each time) before giving up.
const REFERRAL_TRIES: usize = 8;

/// What the profile shows, and the region its phone numbers are shown in.
#[derive(Debug, Clone)]
pub struct ProfileStanding {
    pub account: Account,
    pub wallet: WalletSummary,
    pub orders: OrderStats,
    pub region: Option<PhoneRegion>,
}

/// The profile with the account's standing: what it holds in its wallet, what it ordered.
pub struct ProfileView {
    deps: Deps,
    flows: FlowDeps,
    loyalty: Arc<Loyalty>,
    /// `CLIENTELE_DEFAULT_PHONE_REGION`: a tenant's own `phoneRegion` comes first.
    default_region: Option<PhoneRegion>,
}

/// A readable referral code: up to six letters of the first name (`TSS` without one) and four
/// digits, `JOHN2024`.
pub fn referral_code(account: &Account, digits: i64) -> String {
    let first_name = account
        .profile
        .first_name
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let letters: String = first_name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .take(6)
        .collect();
    let base = if letters.len() >= 2 { letters } else { "TSS".into() };
    format!("{base}{digits:04}")
}

/// The region national phone numbers are read and shown in for `tenant`: its own `phoneRegion`,
/// else `default`.
pub(crate) async fn phone_region(
    flows: &FlowDeps,
    tenant: &TenantId,
    default: Option<PhoneRegion>,
) -> Result<Option<PhoneRegion>, DomainError> {
    let own = flows
        .tenants
        .get_tenant(tenant)
        .await?
        .and_then(|t| t.settings.phone_region)
        .and_then(|r| PhoneRegion::parse(&r));
    Ok(own.or(default))
}

impl ProfileView {
    pub fn new(
        deps: Deps,
        flows: FlowDeps,
        loyalty: Arc<Loyalty>,
        default_region: Option<PhoneRegion>,
    ) -> Self {
        ProfileView {
            deps,
            flows,
            loyalty,
            default_region,
        }
    }

    /// The region national phone numbers are read and shown in for `tenant`.
    pub async fn region_of(&self, tenant: &TenantId) -> Result<Option<PhoneRegion>, DomainError> {
        phone_region(&self.flows, tenant, self.default_region).await
    }

    /// The caller's profile with its wallet and orders, in a fixed number of queries.
    pub async fn view(&self, who: &Authenticated) -> Result<ProfileStanding, DomainError> {
        self.view_of(who.account.clone()).await
    }

    /// `account`'s profile as [`ProfileView::view`] shows it.
    pub async fn view_of(&self, account: Account) -> Result<ProfileStanding, DomainError> {
        let account = self.with_referral_code(account).await?;
        let (wallet, orders) = self.loyalty.standing(&account).await?;
        let region = self.region_of(&account.tenant).await?;
        Ok(ProfileStanding {
            account,
            wallet,
            orders,
            region,
        })
    }

    /// `account`, with a referral code of its own: made once, unique in the tenant.
    async fn with_referral_code(&self, mut account: Account) -> Result<Account, DomainError> {
        for attempt in 0..REFERRAL_TRIES {
            if account.profile.referral_code.is_some() {
                return Ok(account);
            }
            // Four digits first (JOHN2024); six once those keep colliding (a common name in a
            // large tenant).
            let digits = if attempt < REFERRAL_TRIES / 2 {
                self.deps.random.int_in(1000, 9999)
            } else {
                self.deps.random.int_in(100_000, 999_999)
            };
            let code = referral_code(&account, digits);
            let with_code = Account {
                profile: Profile {
                    referral_code: Some(code),
                    ..account.profile.clone()
                },
                ..account.clone()
            };
            match self.deps.accounts.update(&with_code).await {
                Ok(saved) => return Ok(saved),
                Err(StoreError::Duplicate(UniqueKey::ReferralCode)) => continue,
                // Changed meanwhile (perhaps given its code by a concurrent read): as it is now.
                Err(StoreError::VersionMismatch) => {
                    account = self
                        .deps
                        .accounts
                        .find_by_uuid(&account.tenant, account.uuid)
                        .await?
                        .ok_or(DomainError::Unauthenticated)?;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(DomainError::Unavailable(
            "no free referral code was found; try again".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::support::test_support::account;
    use crate::values::Name;

    #[test]
    fn referral_codes_read_as_the_customer_s_name_and_four_digits() {
        let mut john = account();
        john.profile.first_name = Some(Name::parse("John").unwrap());
        assert_eq!(referral_code(&john, 2024), "JOHN2024");
        john.profile.first_name = Some(Name::parse("Anne-Marie Éloïse").unwrap());
        assert_eq!(referral_code(&john, 7), "ANNEMA0007");
        john.profile.first_name = None;
        assert_eq!(referral_code(&john, 1000), "TSS1000");
    }
}
