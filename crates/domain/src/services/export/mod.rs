//! Everything Clientele holds about one account, for the customer (the right of access and to
//! data portability) or for the back office answering a request that came by letter. Every
//! export is audited before it is gathered, so none is served unrecorded; the customer's own
//! need a recent sign-in and are limited to a few a day. Never a secret: factors by kind and
//! name, messages as the back office reads them (secrets masked).

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::account::Account;
use crate::audit::{Actor, AuditEntry, AuditKind};
use crate::deletion_request::DeletionRequest;
use crate::error::DomainError;
use crate::loyalty::{Order, WalletEntry};
use crate::message::StoredMessage;
use crate::ports::{DeletionRequestRepository, LoyaltyRepository, Outbox};
use crate::services::back_office::CustomerRef;
use crate::services::factors::FactorList;
use crate::services::{Authenticated, Deps, FlowDeps};
use crate::session::Session;
use crate::tenant::TenantId;

/// Exports a customer may make within [`EXPORT_WINDOW`].
pub const EXPORTS_PER_WINDOW: usize = 3;
pub const EXPORT_WINDOW: Duration = Duration::hours(24);
/// Most rows of one kind an export holds (far above what one account gathers).
const ROWS: i64 = 100_000;

/// What is held about one account, as of `exported_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountData {
    pub exported_at: OffsetDateTime,
    pub account: Account,
    pub pending_email: Option<super::PendingEmail>,
    pub sessions: Vec<Session>,
    pub factors: FactorList,
    /// The account's audit trail as the customer sees it (see `ActivityEntry`), newest first.
    pub audit: Vec<crate::services::ActivityEntry>,
    pub wallet: Vec<WalletEntry>,
    pub orders: Vec<Order>,
    /// Newest first, secrets masked.
    pub messages: Vec<StoredMessage>,
    pub deletion_requests: Vec<DeletionRequest>,
}

pub struct DataExport {
    deps: Deps,
    flows: FlowDeps,
    loyalty: Arc<dyn LoyaltyRepository>,
    outbox: Arc<dyn Outbox>,
    deletion_requests: Arc<dyn DeletionRequestRepository>,
    email_change: Arc<super::EmailChange>,
}

impl DataExport {
    pub fn new(
        deps: Deps,
        flows: FlowDeps,
        loyalty: Arc<dyn LoyaltyRepository>,
        outbox: Arc<dyn Outbox>,
        deletion_requests: Arc<dyn DeletionRequestRepository>,
        email_change: Arc<super::EmailChange>,
    ) -> Self {
        DataExport {
            deps,
            flows,
            loyalty,
            outbox,
            deletion_requests,
            email_change,
        }
    }

    /// The caller's own data. Needs a recent sign-in; `TooSoon` past
    /// [`EXPORTS_PER_WINDOW`] exports within [`EXPORT_WINDOW`].
    pub async fn own(&self, who: &Authenticated) -> Result<AccountData, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let account = &who.account;
        let earlier = self
            .deps
            .audit
            .list_audit(
                &account.tenant,
                Some(account.uuid),
                Some(AuditKind::DataExported),
                // The back office's exports are counted out below: room for many of them.
                50,
            )
            .await?;
        let within: Vec<&AuditEntry> = earlier
            .iter()
            .filter(|e| e.actor == Actor::Customer && e.at > now - EXPORT_WINDOW)
            .collect();
        if within.len() >= EXPORTS_PER_WINDOW {
            let oldest = within.iter().map(|e| e.at).min().unwrap_or(now);
            let wait = (oldest + EXPORT_WINDOW - now).whole_seconds().max(1);
            return Err(DomainError::TooSoon(wait as u64));
        }
        // As stored now, not as an authentication cache may still hold it.
        let account = self
            .deps
            .accounts
            .find_by_uuid(&account.tenant, account.uuid)
            .await?
            .ok_or(DomainError::NotFound)?;
        self.gather(account, Actor::Customer).await
    }

    /// A customer's data, for the back office (audited with the admin as actor).
    pub async fn for_back_office(
        &self,
        tenant: &TenantId,
        customer: CustomerRef,
    ) -> Result<AccountData, DomainError> {
        let account = self.deps.customer(tenant, customer).await?;
        self.gather(account, Actor::Admin).await
    }

    /// What is held about `account` (as read from the store), audited as exported by `actor`.
    async fn gather(&self, account: Account, actor: Actor) -> Result<AccountData, DomainError> {
        let now = self.deps.clock.now();
        self.deps
            .audit
            .append(
                &self
                    .deps
                    .audit_entry(&account, AuditKind::DataExported, actor, None),
            )
            .await?;
        let (tenant, uuid) = (&account.tenant, account.uuid);
        let pending_email = self.email_change.stored_pending_of(&account, now).await?;
        Ok(AccountData {
            exported_at: now,
            pending_email,
            sessions: self.deps.sessions.list_active(tenant, uuid, now).await?,
            factors: FactorList::of(&account),
            audit: self
                .deps
                .audit
                .list_audit(tenant, Some(uuid), None, ROWS)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            wallet: self.loyalty.wallet_entries(tenant, uuid, ROWS).await?,
            orders: self.loyalty.orders(tenant, uuid, ROWS).await?,
            messages: self.outbox.list(tenant, None, Some(uuid), ROWS).await?,
            deletion_requests: self
                .deletion_requests
                .list_requests(tenant, None, Some(uuid), ROWS)
                .await?,
            account,
        })
    }
}
