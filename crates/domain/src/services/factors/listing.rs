//! What `GET …/factors` shows: every factor by kind and name, never a secret.

use time::OffsetDateTime;

use super::{StrongFactors, SMS_FACTOR_ID};
use crate::account::Account;
use crate::error::DomainError;
use crate::factors::{Factor, FactorKind};
use crate::services::back_office::CustomerRef;
use crate::services::Authenticated;
use crate::tenant::TenantId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorView {
    pub id: String,
    pub kind: FactorKind,
    pub name: String,
    /// `None` for texted codes (turned on with the profile, when is not kept).
    pub created_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorList {
    pub factors: Vec<FactorView>,
    pub recovery_codes_left: usize,
}

impl From<&Factor> for FactorView {
    fn from(f: &Factor) -> Self {
        FactorView {
            id: f.id.to_string(),
            kind: f.secret.kind(),
            name: f.name.clone(),
            created_at: Some(f.created_at),
            last_used_at: f.last_used_at,
        }
    }
}

impl FactorList {
    pub fn of(account: &Account) -> Self {
        let mut factors = Vec::new();
        if account.two_factor {
            factors.push(FactorView {
                id: SMS_FACTOR_ID.into(),
                kind: FactorKind::Sms,
                name: "Texted code".into(),
                created_at: None,
                last_used_at: None,
            });
        }
        factors.extend(account.factors.list.iter().map(FactorView::from));
        FactorList {
            factors,
            recovery_codes_left: account.factors.recovery_codes.len(),
        }
    }
}

impl StrongFactors {
    pub async fn list(&self, who: &Authenticated) -> Result<FactorList, DomainError> {
        Ok(FactorList::of(&self.current(who).await?))
    }

    /// A customer's factors, as the back office sees them.
    pub async fn list_for(
        &self,
        tenant: &TenantId,
        customer: CustomerRef,
    ) -> Result<FactorList, DomainError> {
        Ok(FactorList::of(&self.deps.customer(tenant, customer).await?))
    }
}
