use std::sync::Arc;

use super::EditTurns;
use crate::audit::{Actor, AuditEntry, AuditKind};
use crate::ports::{
    AccessTokens, AccountRepository, AuditLog, Clock, PasswordHasher, Randomness, RequestContext,
    SessionRepository,
};

/// The ports the use cases share; cloning clones the handles, not the adapters.
#[derive(Clone)]
pub struct Deps {
    pub accounts: Arc<dyn AccountRepository>,
    pub sessions: Arc<dyn SessionRepository>,
    pub passwords: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn AccessTokens>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Randomness>,
    pub audit: Arc<dyn AuditLog>,
    pub request: Arc<dyn RequestContext>,
    /// Edits of one account on this instance take turns (see [`EditTurns`]).
    pub turns: Arc<EditTurns>,
}

impl Deps {
    /// An audit entry of `kind` for `account`, by `actor`, under the current request.
    pub fn audit_entry(
        &self,
        account: &crate::Account,
        kind: AuditKind,
        actor: Actor,
        detail: Option<&str>,
    ) -> AuditEntry {
        AuditEntry {
            id: self.random.uuid(),
            tenant: account.tenant.clone(),
            account: account.uuid,
            kind,
            actor,
            request_id: self.request.request_id(),
            client_address: self.request.client_address(),
            device: self.request.device(),
            at: self.clock.now(),
            detail: detail.map(str::to_owned),
        }
    }

    /// The tenant's customer `customer` names, for the back office; `NotFound` if none.
    pub async fn customer(
        &self,
        tenant: &crate::TenantId,
        customer: crate::services::CustomerRef,
    ) -> Result<crate::Account, crate::DomainError> {
        use crate::services::CustomerRef;
        let found = match customer {
            CustomerRef::Public(id) => self.accounts.find_by_public_id(tenant, id).await?,
            CustomerRef::Uuid(uuid) => self.accounts.find_by_uuid(tenant, uuid).await?,
        };
        found.ok_or(crate::DomainError::NotFound)
    }

    /// The account with the address a customer typed, if the text is an address and has one.
    pub async fn account_by_email(
        &self,
        tenant: &crate::TenantId,
        typed: &str,
    ) -> Result<Option<crate::Account>, crate::ports::StoreError> {
        match crate::values::Email::parse(typed) {
            Ok(email) => self.accounts.find_by_email(tenant, email.normalized()).await,
            Err(_) => Ok(None),
        }
    }
}
