//! The back office's decisions on deletion requests (when a tenant's closing policy requires
//! approval), and reactivating a closed account whose data was kept.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::account::{Account, AccountStatus};
use crate::audit::{Actor, AuditKind};
use crate::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use crate::error::{DomainError, FieldErrors};
use crate::lifecycle::MadeBy;
use crate::messages::Content;
use crate::ports::{Commit, DeletionRequestRepository, StoreError};
use crate::services::closing::policy::policy_name;
use crate::services::support::FlowDeps;
use crate::services::Deps;
use crate::tenant::{ClosingDecision, TenantId};
use crate::webhooks::{Event, EventType};

/// Longest rejection reason kept and mailed.
const REASON_LEN: usize = 2000;

pub struct DeletionRequests {
    deps: Deps,
    flows: FlowDeps,
    requests: Arc<dyn DeletionRequestRepository>,
}

impl DeletionRequests {
    pub fn new(deps: Deps, flows: FlowDeps, requests: Arc<dyn DeletionRequestRepository>) -> Self {
        DeletionRequests {
            deps,
            flows,
            requests,
        }
    }

    /// The tenant's requests, oldest first, optionally of one status.
    pub async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeletionStatus>,
        limit: i64,
    ) -> Result<Vec<DeletionRequest>, DomainError> {
        Ok(self.requests.list_requests(tenant, status, None, limit).await?)
    }

    async fn pending(&self, tenant: &TenantId, id: &str) -> Result<(DeletionRequest, Account), DomainError> {
        let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| DomainError::NotFound)?;
        let request = self
            .requests
            .find_request(tenant, DeletionRequestId(id))
            .await?
            .ok_or(DomainError::NotFound)?;
        if request.status != DeletionStatus::Pending {
            return Err(DomainError::Conflict(format!(
                "the deletion request is {} already",
                request.status.as_str()
            )));
        }
        let account = self
            .deps
            .accounts
            .find_by_uuid(tenant, request.account)
            .await?
            .ok_or(DomainError::NotFound)?;
        // Only a closed account's data waits for a decision; never erase an open one.
        match account.status {
            AccountStatus::Deactivated => {}
            AccountStatus::Erased => {
                return Err(DomainError::Conflict(
                    "the account's data is erased already".into(),
                ))
            }
            _ => return Err(DomainError::Conflict("the account is not closed".into())),
        }
        Ok((request, account))
    }

    fn decided(
        request: DeletionRequest,
        status: DeletionStatus,
        now: OffsetDateTime,
        reason: Option<String>,
    ) -> DeletionRequest {
        DeletionRequest {
            status,
            decided_at: Some(now),
            reason,
            ..request
        }
    }

    /// Approves the request: the account's personal data is erased, in the same commit.
    pub async fn approve(&self, tenant: &TenantId, id: &str) -> Result<DeletionRequest, DomainError> {
        let now = self.deps.clock.now();
        let (request, account) = self.pending(tenant, id).await?;
        let approved = Self::decided(request, DeletionStatus::Approved, now, None);
        let mut commit = Commit::at(now);
        // Under the policy that made the request wait: erasure on an admin's approval.
        let policy = policy_name(ClosingDecision::RequestDeletion);
        commit.audit.push(self.deps.audit_entry(
            &account,
            AuditKind::DeletionApproved,
            Actor::Admin,
            Some(policy),
        ));
        let erasure = account.erase(now)?;
        let by = MadeBy::back_office().with_detail(policy);
        let mut commit = self.flows.apply(&self.deps, commit, &erasure, by).await?;
        commit.deletion_decisions.push(approved.clone());
        match self.flows.commits.commit(commit).await {
            // Another decision (or approval) on it won: say so rather than "try again".
            Err(StoreError::VersionMismatch | StoreError::AlreadyDecided) => Err(DomainError::Conflict(
                "the deletion request was decided already".into(),
            )),
            other => other.map(|()| approved).map_err(DomainError::from),
        }
    }

    /// Rejects the request: the data is kept and the customer is mailed `reason`.
    pub async fn reject(
        &self,
        tenant: &TenantId,
        id: &str,
        reason: &str,
    ) -> Result<DeletionRequest, DomainError> {
        // Counted as sent, as the OpenAPI document's `maxLength` counts it.
        let too_long = reason.chars().count() > REASON_LEN;
        let reason = reason.trim();
        if reason.is_empty() || too_long {
            return Err(FieldErrors::single("reason", "is required, at most 2000 characters").into());
        }
        let now = self.deps.clock.now();
        let (request, account) = self.pending(tenant, id).await?;
        let rejected = Self::decided(request, DeletionStatus::Rejected, now, Some(reason.to_owned()));
        let mut commit = Commit::at(now).relying_on(&account);
        commit.deletion_decisions.push(rejected.clone());
        commit.events.push(Event::about(
            &account,
            EventType::CustomerDeletionRejected,
            serde_json::json!({"deletionRequestId": rejected.id.0.to_string()}),
            now,
        ));
        commit.audit.push(
            self.deps
                .audit_entry(&account, AuditKind::DeletionRejected, Actor::Admin, None),
        );
        if let Some(email) = account.customer_email() {
            let name = account.greeting_for(email.as_str());
            let notice = Content::DeletionRejected { name: &name, reason };
            commit.messages.push(
                self.flows
                    .messages
                    .message(&self.deps, &account, email.as_str(), &notice, now)
                    .await?,
            );
        }
        self.flows.commits.commit(commit).await?;
        Ok(rejected)
    }

    /// Brings back a closed account whose data was kept. An erased account, or one whose
    /// deletion request is still pending (reject it first), cannot come back (`Conflict`).
    pub async fn reactivate(&self, account: Account) -> Result<Account, DomainError> {
        match account.status {
            AccountStatus::Deactivated => {}
            AccountStatus::Erased => {
                return Err(DomainError::Conflict(
                    "the account's data was erased; it cannot be reactivated".into(),
                ))
            }
            _ => return Err(DomainError::Conflict("the account is not closed".into())),
        }
        if self.requests.has_pending(&account.tenant, account.uuid).await? {
            return Err(DomainError::Conflict(
                "a deletion request for the account is pending: reject it first".into(),
            ));
        }
        let now = self.deps.clock.now();
        let reactivation = account.reactivate(now)?;
        let commit = self
            .flows
            .apply(&self.deps, Commit::at(now), &reactivation, MadeBy::back_office())
            .await?;
        self.flows.commits.commit(commit).await?;
        let active = reactivation.after().clone();
        Ok(Account {
            version: active.version + 1,
            ..active
        })
    }
}
