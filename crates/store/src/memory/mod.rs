//! An in-memory implementation of every storage port with the same contract as the database:
//! for tests of the layers above, and checked by the same contract suite as the real backends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use clientele_domain::account::{Account, AccountUuid, PublicId};
use clientele_domain::ports::{AccountRepository, InstanceSecrets, SessionRepository, StoreError, UniqueKey};
use clientele_domain::session::{Session, SessionId};
use clientele_domain::tenant::TenantId;
use time::OffsetDateTime;

#[derive(Default)]
struct State {
    accounts: HashMap<AccountUuid, Account>,
    sessions: HashMap<SessionId, Session>,
    secrets: HashMap<String, String>,
}

#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-made change: every mutation below
        // is a single insert or field assignment.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn account_in(&self, tenant: &TenantId, uuid: AccountUuid) -> Option<&Account> {
        self.accounts.get(&uuid).filter(|a| &a.tenant == tenant)
    }

    fn account_in_mut(&mut self, tenant: &TenantId, uuid: AccountUuid) -> Option<&mut Account> {
        self.accounts.get_mut(&uuid).filter(|a| &a.tenant == tenant)
    }

    fn email_taken(&self, account: &Account) -> bool {
        let Some(email) = &account.email else { return false };
        self.accounts.values().any(|other| {
            other.uuid != account.uuid
                && other.tenant == account.tenant
                && other
                    .email
                    .as_ref()
                    .is_some_and(|e| e.normalized() == email.normalized())
        })
    }
}

#[async_trait]
impl AccountRepository for MemoryStore {
    async fn insert(&self, account: &Account) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.accounts.contains_key(&account.uuid) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        if state
            .accounts
            .values()
            .any(|a| a.tenant == account.tenant && a.public_id == account.public_id)
        {
            return Err(StoreError::Duplicate(UniqueKey::PublicId));
        }
        if state.email_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Email));
        }
        state.accounts.insert(account.uuid, account.clone());
        Ok(())
    }

    async fn find_by_uuid(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self.state().account_in(tenant, uuid).cloned())
    }

    async fn find_by_public_id(
        &self,
        tenant: &TenantId,
        id: PublicId,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self
            .state()
            .accounts
            .values()
            .find(|a| &a.tenant == tenant && a.public_id == id)
            .cloned())
    }

    async fn find_by_email(
        &self,
        tenant: &TenantId,
        normalized_email: &str,
    ) -> Result<Option<Account>, StoreError> {
        Ok(self
            .state()
            .accounts
            .values()
            .find(|a| {
                &a.tenant == tenant
                    && a.email
                        .as_ref()
                        .is_some_and(|e| e.normalized() == normalized_email)
            })
            .cloned())
    }

    async fn update(&self, account: &Account) -> Result<Account, StoreError> {
        let mut state = self.state();
        let current_version = state.account_in(&account.tenant, account.uuid).map(|a| a.version);
        if current_version != Some(account.version) {
            return Err(StoreError::VersionMismatch);
        }
        if state.email_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Email));
        }
        let saved = Account {
            version: account.version + 1,
            ..account.clone()
        };
        state.accounts.insert(saved.uuid, saved.clone());
        Ok(saved)
    }

    async fn record_sign_in_failure(&self, tenant: &TenantId, uuid: AccountUuid) -> Result<i32, StoreError> {
        let mut state = self.state();
        let account = state
            .account_in_mut(tenant, uuid)
            .ok_or_else(|| StoreError::Unavailable("no such account".into()))?;
        account.sign_in.failures += 1;
        Ok(account.sign_in.failures)
    }

    async fn lock_sign_in(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Some(account) = self.state().account_in_mut(tenant, uuid) {
            account.sign_in.locked_until = Some(until);
        }
        Ok(())
    }

    async fn reset_sign_in_failures(&self, tenant: &TenantId, uuid: AccountUuid) -> Result<(), StoreError> {
        if let Some(account) = self.state().account_in_mut(tenant, uuid) {
            account.sign_in = Default::default();
        }
        Ok(())
    }
}

#[async_trait]
impl SessionRepository for MemoryStore {
    async fn create(&self, session: &Session) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.sessions.contains_key(&session.id) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        state.sessions.insert(session.id, session.clone());
        Ok(())
    }

    async fn find_active(
        &self,
        id: SessionId,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, Account)>, StoreError> {
        let state = self.state();
        let Some(session) = state.sessions.get(&id).filter(|s| s.is_active(now)) else {
            return Ok(None);
        };
        Ok(state
            .accounts
            .get(&session.account)
            .map(|a| (session.clone(), a.clone())))
    }

    async fn revoke(&self, id: SessionId, now: OffsetDateTime) -> Result<bool, StoreError> {
        let mut state = self.state();
        match state.sessions.get_mut(&id) {
            Some(session) if session.revoked_at.is_none() => {
                session.revoked_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_all(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        keep: Option<SessionId>,
        now: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let mut revoked = 0;
        for session in self.state().sessions.values_mut() {
            if &session.tenant == tenant
                && session.account == account
                && Some(session.id) != keep
                && session.revoked_at.is_none()
            {
                session.revoked_at = Some(now);
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn count_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        Ok(self
            .state()
            .sessions
            .values()
            .filter(|s| &s.tenant == tenant && s.account == account && s.is_active(now))
            .count() as i64)
    }
}

#[async_trait]
impl InstanceSecrets for MemoryStore {
    async fn get_or_insert(&self, name: &str, candidate: &str) -> Result<(String, bool), StoreError> {
        let mut state = self.state();
        if let Some(existing) = state.secrets.get(name) {
            return Ok((existing.clone(), false));
        }
        state.secrets.insert(name.to_owned(), candidate.to_owned());
        Ok((candidate.to_owned(), true))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
