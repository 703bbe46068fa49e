//! Closing an account: one policy for every surface (the Customer area's `DELETE
//! /customers/self`, B2Core's confirmed deactivation). The account is deactivated at once —
//! every session revoked, every open flow cancelled — and its personal data is kept, erased in
//! the same commit, or kept until the back office decides on a deletion request, as the
//! tenant's closing policy says.

use time::OffsetDateTime;

use super::flow_kit::FlowDeps;
use super::reapply::{deciding_again, Attempt, PERSISTENT_ATTEMPTS};
use super::{Authenticated, Deps};
use crate::account::{erased_placeholder, Account, AccountStatus};
use crate::audit::{Actor, AuditKind};
use crate::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use crate::error::DomainError;
use crate::flow::{FlowWrite, Refusal};
use crate::ports::{Commit, StoreError};
use crate::profile::Profile;
use crate::templates::Template;
use crate::tenant::{ClosingDecision, ClosingPolicy};

pub struct AccountClosing {
    deps: Deps,
    flows: FlowDeps,
}

/// The account with every personal field gone and its address replaced by a placeholder that
/// frees it; ids and timestamps stay.
pub(crate) fn erased(account: Account, now: OffsetDateTime) -> Account {
    Account {
        status: AccountStatus::Erased,
        email: Some(erased_placeholder(account.uuid)),
        email_confirmed: false,
        email_temporary: false,
        password_hash: None,
        two_factor: false,
        profile: Profile::default(),
        sign_in: Default::default(),
        updated_at: now,
        ..account
    }
}

/// The policy's name in the audit trail.
pub(crate) fn policy_name(decision: ClosingDecision) -> &'static str {
    match decision {
        ClosingDecision::Keep => "keep",
        ClosingDecision::EraseNow => "erase_now",
        ClosingDecision::RequestDeletion => "request_deletion",
    }
}

/// The erasure of `account` in `commit`: its row written as `erased`, its traces removed, and
/// a last notice to its address that forgets the address once delivered.
pub(crate) fn erase_into(
    deps: &Deps,
    flows: &FlowDeps,
    mut commit: Commit,
    account: Account,
    now: OffsetDateTime,
) -> Commit {
    let address = account.customer_email().map(|e| e.as_str().to_owned());
    if let Some(address) = &address {
        let name = account.greeting_name();
        let notice = Template::DataErased { name: &name };
        let mut message = flows.message(deps, &account, address, &notice, None, now);
        message.forget_recipient = true;
        commit.messages.push(message);
    }
    commit.erasing(erased(account, now), address)
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
        self.close(who.account.clone(), Vec::new()).await
    }

    /// Closes `account` as its tenant's policy says, committing `also` (the flow write of a
    /// confirmed deactivation, say) in the same transaction. An account a concurrent request
    /// closed first is left as that one left it: a plain closing answers the policy's decision
    /// as read now (it is done either way), one with a secret to use is refused (`Invalid`).
    pub async fn close(
        &self,
        account: Account,
        also: Vec<FlowWrite>,
    ) -> Result<ClosingDecision, DomainError> {
        let now = self.deps.clock.now();
        let decision = self.policy(&account).await?.decide();
        // Closing must not give way to a burst of edits of the account.
        deciding_again(
            self.deps.accounts.as_ref(),
            account,
            PERSISTENT_ATTEMPTS,
            |account| {
                let also = also.clone();
                async move {
                    if account.status.is_closed() {
                        // Closed meanwhile: a plain closing is done; one that had to use a
                        // secret (a confirmed deactivation) lost the race for it.
                        return if also.is_empty() {
                            Ok(decision)
                        } else {
                            Err(DomainError::SecretRefused(Refusal::Invalid).into())
                        };
                    }
                    let mut commit = Commit::at(now).revoking(&account, None);
                    // Every flow open when the commit runs, not only those seen before it.
                    commit.flows.extend(also);
                    commit.flows.push(FlowWrite::CancelAllOpen {
                        tenant: account.tenant.clone(),
                        account: account.uuid,
                        purpose: None,
                    });
                    let closed = Account {
                        status: AccountStatus::Deactivated,
                        updated_at: now,
                        ..account
                    };
                    if decision == ClosingDecision::RequestDeletion {
                        commit.deletion_requests.push(DeletionRequest {
                            id: DeletionRequestId(self.deps.random.uuid()),
                            tenant: closed.tenant.clone(),
                            account: closed.uuid,
                            status: DeletionStatus::Pending,
                            created_at: now,
                            decided_at: None,
                            reason: None,
                        });
                    }
                    let audit = |kind| {
                        self.deps
                            .audit_entry(&closed, kind, Actor::Customer, Some(policy_name(decision)))
                    };
                    commit.audit.push(audit(AuditKind::Deactivated));
                    match decision {
                        ClosingDecision::EraseNow => commit.audit.push(audit(AuditKind::Erased)),
                        ClosingDecision::RequestDeletion => {
                            commit.audit.push(audit(AuditKind::DeletionRequested))
                        }
                        ClosingDecision::Keep => {}
                    }
                    let commit = if decision == ClosingDecision::EraseNow {
                        erase_into(&self.deps, &self.flows, commit, closed, now)
                    } else {
                        commit.updating(closed)
                    };
                    match self.flows.commits.commit(commit).await {
                        // A secret in `also` was used or replaced meanwhile: it no longer
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
    use crate::ports::{
        AccountWrite, MockAccountRepository, MockPasswordHasher, MockSessionRepository, MockTenantRepository,
        MockUnitOfWork,
    };
    use crate::services::test_support::{account, deps_with};
    use crate::tenant::{Tenant, TenantSettings};

    fn flows_with(commits: MockUnitOfWork, tenants: MockTenantRepository) -> FlowDeps {
        crate::services::test_support::flow_deps(commits, tenants)
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
            let got = service.close(account(), vec![]).await.unwrap();
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
            service.close(closed, vec![]).await.unwrap(),
            ClosingDecision::EraseNow
        );
    }
}
