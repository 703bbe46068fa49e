//! Sessions.

use super::*;

#[async_trait]
impl SessionRepository for MemoryStore {
    async fn create(
        &self,
        session: &Session,
        password: Option<clientele_domain::values::PasswordHash>,
        audit: &[clientele_domain::audit::AuditEntry],
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let its_account = (session.tenant.clone(), session.account);
        let open = state.accounts.get(&its_account).is_some_and(|a| {
            a.status.may_sign_in()
                && password
                    .as_ref()
                    .is_none_or(|p| a.password_hash.as_ref() == Some(p))
        });
        if open && state.sessions.contains_key(&session.id) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        if open {
            state.sessions.insert(session.id, session.clone());
            state.audit.extend(audit.iter().cloned());
        }
        Ok(open)
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
            .get(&(session.tenant.clone(), session.account))
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

    async fn latest_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        Ok(self
            .state()
            .sessions
            .values()
            .filter(|s| &s.tenant == tenant && s.account == account && s.is_active(now))
            .max_by_key(|s| (s.created_at, s.id.0))
            .cloned())
    }

    async fn list_active(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        now: OffsetDateTime,
    ) -> Result<Vec<Session>, StoreError> {
        let mut live: Vec<Session> = self
            .state()
            .sessions
            .values()
            .filter(|s| &s.tenant == tenant && s.account == account && s.is_active(now))
            .cloned()
            .collect();
        live.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.id.0)));
        Ok(live)
    }

    async fn touch(
        &self,
        tenant: &TenantId,
        id: SessionId,
        now: OffsetDateTime,
        seen_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Some(session) = self.state().sessions.get_mut(&id) {
            if &session.tenant == tenant && session.last_seen_at < seen_before {
                session.last_seen_at = now;
            }
        }
        Ok(())
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
