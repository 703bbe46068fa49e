//! Closing an account: one policy for every surface (the Customer area's `DELETE
//! /customers/self`, B2Core's confirmed deactivation). The account is deactivated at once —
//! every session revoked, every open flow cancelled — and its personal data is kept, erased in
//! the same commit, or kept until the back office decides on a deletion request, as the
//! tenant's closing policy says.

use crate::account::Account;
use crate::audit::{Actor, AuditKind};
use crate::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use crate::error::DomainError;
use crate::flow::{Flow, Refusal};
use crate::lifecycle::MadeBy;
use crate::ports::{Commit, StoreError};
use crate::services::support::reapply::{deciding_again, Attempt, PERSISTENT_ATTEMPTS};
use crate::services::support::FlowDeps;
use crate::services::{Authenticated, Deps};
use crate::tenant::{ClosingDecision, ClosingPolicy};
use crate::webhooks::{Event, EventType};

pub struct AccountClosing {
    deps: Deps,
    flows: FlowDeps,
}

/// The policy's name in the audit trail.
pub(crate) fn policy_name(decision: ClosingDecision) -> &'static str {
    match decision {
        ClosingDecision::Keep => "keep",
        ClosingDecision::EraseNow => "erase_now",
        ClosingDecision::RequestDeletion => "request_deletion",
    }
}

impl AccountClosing {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        AccountClosing { deps, flows }
    }

    async fn policy(&self, account: &Account) -> Result<ClosingPolicy, DomainError> {
        let tenant = self.flows.tenants.get_tenant(&account.tenant).await?;
        Ok(tenant.map(|t| t.settings.closing).unwrap_or_default())
    }

    /// The caller closes their own account: with a recent sign-in only (see
    /// [`FlowDeps::require_recent_sign_in`]).
    pub async fn close_own(&self, who: &Authenticated) -> Result<ClosingDecision, DomainError> {
        self.flows.require_recent_sign_in(who, self.deps.clock.now())?;
        self.close(who, None).await
    }

    /// Closes the caller's account as its tenant's policy says, consuming `completing` (the
    /// flow of a confirmed deactivation, say) in the same transaction, and only while the
    /// caller's session is live (a closing decided again after the owner's reset won a race
    /// with a stolen session writes nothing). An account a concurrent request
    /// closed first is left as that one left it: a plain closing answers the policy's decision
    /// as read now (it is done either way), one with a secret to use is refused (`Invalid`).
    pub async fn close(
        &self,
        who: &Authenticated,
        completing: Option<&Flow>,
    ) -> Result<ClosingDecision, DomainError> {
        let now = self.deps.clock.now();
        let (account, session) = (who.account.clone(), who.session.id);
        let decision = self.policy(&account).await?.decide();
        // Closing must not give way to a burst of edits of the account.
        deciding_again(
            self.deps.accounts.as_ref(),
            account,
            PERSISTENT_ATTEMPTS,
            |account| {
                async move {
                    if account.status.is_closed() {
                        // Closed meanwhile: a plain closing is done; one that had to use a
                        // secret (a confirmed deactivation) lost the race for it.
                        return match completing {
                            None => Ok(decision),
                            Some(_) => Err(DomainError::SecretRefused(Refusal::Invalid).into()),
                        };
                    }
                    let transition = match decision {
                        ClosingDecision::EraseNow => account.erase(now),
                        _ => account.deactivate(now),
                    }
                    .map_err(DomainError::from)?;
                    let mut by = MadeBy::customer()
                        .from_session(session)
                        .with_detail(policy_name(decision));
                    if let Some(flow) = completing {
                        by = by.completing(flow);
                    }
                    // Every session ends, and every flow open when the commit runs, not only
                    // those seen before it.
                    let mut commit = self
                        .flows
                        .apply(&self.deps, Commit::at(now), &transition, by)
                        .await?;
                    if decision == ClosingDecision::RequestDeletion {
                        let closed = &transition.after();
                        let request = DeletionRequestId(self.deps.random.uuid());
                        commit.events.push(Event::about(
                            closed,
                            EventType::CustomerDeletionRequested,
                            serde_json::json!({"deletionRequestId": request.0.to_string()}),
                            now,
                        ));
                        commit.deletion_requests.push(DeletionRequest {
                            id: request,
                            tenant: closed.tenant.clone(),
                            account: closed.uuid,
                            status: DeletionStatus::Pending,
                            created_at: now,
                            decided_at: None,
                            reason: None,
                        });
                        commit.audit.push(self.deps.audit_entry(
                            closed,
                            AuditKind::DeletionRequested,
                            Actor::Customer,
                            Some(policy_name(decision)),
                        ));
                    }
                    match self.flows.commits.commit(commit).await {
                        // The completing secret was used or replaced meanwhile: it no longer
                        // counts (deciding again would only fail the same way).
                        Err(StoreError::FlowChanged) => {
                            Err(DomainError::SecretRefused(Refusal::Invalid).into())
                        }
                        other => other.map(|()| decision).map_err(Attempt::from),
                    }
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::account::AccountStatus;
    use crate::flow::FlowWrite;
    use crate::ports::{
        AccountWrite, MockAccountRepository, MockPasswordHasher, MockSessionRepository, MockTenantRepository,
        MockUnitOfWork,
    };
    use crate::profile::Profile;
    use crate::services::support::test_support::{account, deps_with};
    use crate::tenant::{Tenant, TenantSettings};
    use time::OffsetDateTime;

    fn flows_with(commits: MockUnitOfWork, tenants: MockTenantRepository) -> FlowDeps {
        crate::services::support::test_support::flow_deps(commits, tenants)
    }

    fn closing(policy: ClosingPolicy, commits: MockUnitOfWork) -> AccountClosing {
        let mut tenants = MockTenantRepository::new();
        tenants.expect_get_tenant().returning(move |id| {
            Ok(Some(Tenant {
                id: id.clone(),
                name: "T".into(),
                settings: TenantSettings {
                    closing: policy,
                    ..TenantSettings::default()
                },
                created_at: OffsetDateTime::UNIX_EPOCH,
            }))
        });
        let mut deps = deps_with(
            MockAccountRepository::new(),
            MockSessionRepository::new(),
            MockPasswordHasher::new(),
        );
        let mut random = crate::ports::MockRandomness::new();
        random.expect_uuid().returning(uuid::Uuid::new_v4);
        deps.random = Arc::new(random);
        AccountClosing::new(deps, flows_with(commits, tenants))
    }

    fn recording(into: Arc<Mutex<Vec<Commit>>>) -> MockUnitOfWork {
        let mut commits = MockUnitOfWork::new();
        commits.expect_commit().times(1).returning(move |c| {
            into.lock().unwrap().push(c);
            Ok(())
        });
        commits
    }

    fn who(account: Account) -> Authenticated {
        Authenticated {
            session: crate::session::Session {
                id: crate::session::SessionId(uuid::Uuid::from_u128(99)),
                tenant: account.tenant.clone(),
                account: account.uuid,
                created_at: OffsetDateTime::UNIX_EPOCH,
                expires_at: OffsetDateTime::UNIX_EPOCH,
                revoked_at: None,
                country: None,
                device: None,
                ip: None,
                sign_in_method: crate::session::SignInMethod::Password,
                last_seen_at: OffsetDateTime::UNIX_EPOCH,
            },
            account,
        }
    }

    fn closed_account(commit: &Commit) -> Account {
        match &commit.accounts[..] {
            [AccountWrite::Update(account)] => account.clone(),
            other => panic!("one update expected: {other:?}"),
        }
    }

    #[tokio::test]
    async fn each_policy_closes_at_once_and_treats_the_data_as_it_says() {
        for (delete, approval, decision) in [
            (true, false, ClosingDecision::EraseNow),
            (false, false, ClosingDecision::Keep),
            (false, true, ClosingDecision::Keep),
            (true, true, ClosingDecision::RequestDeletion),
        ] {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let policy = ClosingPolicy {
                delete_personal_data: delete,
                deletion_requires_approval: approval,
            };
            let service = closing(policy, recording(seen.clone()));
            let got = service.close(&who(account()), None).await.unwrap();
            assert_eq!(got, decision);
            let commit = seen.lock().unwrap().pop().unwrap();
            let closed = closed_account(&commit);
            let erased = decision == ClosingDecision::EraseNow;
            let status = if erased {
                AccountStatus::Erased
            } else {
                AccountStatus::Deactivated
            };
            assert_eq!(closed.status, status, "{decision:?}");
            assert_eq!(commit.revoke_sessions.len(), 1, "every session revoked");
            assert!(matches!(
                commit.flows.last(),
                Some(FlowWrite::CancelAllOpen { .. })
            ));
            let address = closed.email.as_ref().map(|e| e.as_str().to_owned());
            if erased {
                assert_eq!(
                    address,
                    Some(format!("{}@erased.invalid", closed.uuid.0.simple()))
                );
                assert_eq!(closed.profile, Profile::default());
                assert!(closed.password_hash.is_none() && closed.customer_email().is_none());
            } else {
                assert_eq!(address, account().email.map(|e| e.as_str().to_owned()));
                assert!(closed.password_hash.is_some() && closed.customer_email().is_some());
            }
            assert_eq!(
                commit.deletion_requests.len(),
                usize::from(decision == ClosingDecision::RequestDeletion)
            );
            let notices: Vec<_> = commit.messages.iter().filter(|m| m.forget_recipient).collect();
            assert_eq!(
                notices.len(),
                usize::from(decision == ClosingDecision::EraseNow),
                "a last notice that forgets its recipient, on erasure only"
            );
        }
    }

    #[tokio::test]
    async fn an_account_closed_meanwhile_is_left_alone() {
        let mut closed = account();
        closed.status = AccountStatus::Deactivated;
        let mut commits = MockUnitOfWork::new();
        commits.expect_commit().never();
        let service = closing(ClosingPolicy::default(), commits);
        assert_eq!(
            service.close(&who(closed), None).await.unwrap(),
            ClosingDecision::EraseNow
        );
    }
}
