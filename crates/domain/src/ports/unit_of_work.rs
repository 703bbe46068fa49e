use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use crate::account::{Account, AccountUuid};
use crate::audit::AuditEntry;
use crate::deletion_request::DeletionRequest;
use crate::flow::{FlowWrite, SendClass, SendLimit};
use crate::message::OutboundMessage;
use crate::session::{Session, SessionId};
use crate::tenant::TenantId;

#[derive(Debug, Clone, PartialEq)]
pub enum AccountWrite {
    Insert(Account),
    /// Version-checked, as [`super::AccountRepository::update`].
    Update(Account),
    /// Writes nothing, but the commit happens only if the account is still at this version
    /// (and, on PostgreSQL, holds the row until it ends): for a decision that relied on the
    /// account as read without changing it, such as mailing a secret to its address.
    Unchanged(Account),
}

/// Signing out an account's sessions: every one, every one but the session in hand (`keep`),
/// or only the one named (`only`, if it is the account's).
#[derive(Debug, Clone, PartialEq)]
pub struct Revocation {
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub keep: Option<SessionId>,
    pub only: Option<SessionId>,
}

impl Revocation {
    /// Whether this revocation ends `session` (if it is still live).
    pub fn ends(&self, session: &Session) -> bool {
        session.tenant == self.tenant
            && session.account == self.account
            && Some(session.id) != self.keep
            && self.only.is_none_or(|only| only == session.id)
    }
}

/// The session in hand swapped for `by` (same sign-in time and end, a new id): written only if
/// `replaced` is still active when the commit is (neither revoked nor expired), after every
/// revocation of the commit; otherwise nothing of the commit is (`SessionEnded`). A session
/// signed out meanwhile is never brought back, and a change made with it never half-done.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionReplacement {
    pub replaced: SessionId,
    pub by: Session,
}

/// What erasing an account removes besides its row's personal fields: its sessions and flows
/// (they hold addresses, countries, digests), and the outbox's messages written for it (and,
/// from before messages named their account, those to its address), blanked and, if still
/// pending, abandoned.
#[derive(Debug, Clone, PartialEq)]
pub struct Erasure {
    pub tenant: TenantId,
    pub account: AccountUuid,
    pub address: Option<String>,
}

/// Everything one decision changes, committed together or not at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    pub now: OffsetDateTime,
    pub accounts: Vec<AccountWrite>,
    pub flows: Vec<FlowWrite>,
    /// Messages for the outbox: sent after the commit, never lost, never sent for a change that
    /// did not happen.
    pub messages: Vec<OutboundMessage>,
    /// Events for the tenant's webhook endpoints: each delivered to every endpoint that
    /// receives it when the commit is written, never for a change that did not happen.
    pub events: Vec<crate::webhooks::Event>,
    /// Sessions to sign out.
    pub revoke_sessions: Vec<Revocation>,
    /// Deletion requests to record.
    pub deletion_requests: Vec<DeletionRequest>,
    /// Traces of erased accounts removed after every other write of the commit.
    pub erase_traces: Vec<Erasure>,
    /// Audit entries of what this commit does.
    pub audit: Vec<AuditEntry>,
    /// Decisions on pending deletion requests (the request as decided: status, time, reason);
    /// `AlreadyDecided` if one is no longer pending.
    pub deletion_decisions: Vec<DeletionRequest>,
    /// The session in hand replaced (see [`SessionReplacement`]).
    pub replace_session: Option<SessionReplacement>,
    /// The session that made the decision: the commit is written only if it is still live
    /// (neither revoked nor expired) once the commit holds the account, otherwise nothing is
    /// (`SessionEnded`). A change asked for with a stolen session that loses a race to the
    /// owner's password reset, and is decided again, is then not written after all.
    pub caller_session: Option<(TenantId, SessionId)>,
    /// When set, each recipient of `messages` (compared without regard to case) may have been
    /// sent at most as many messages of the class as the limit allows within its window, the
    /// commit's own included, or nothing is written: `SendLimited`. The messages are written
    /// as of that class.
    pub send_limit: Option<(SendLimit, SendClass)>,
}

impl Commit {
    pub fn at(now: OffsetDateTime) -> Self {
        Commit {
            now,
            accounts: Vec::new(),
            flows: Vec::new(),
            messages: Vec::new(),
            events: Vec::new(),
            revoke_sessions: Vec::new(),
            deletion_requests: Vec::new(),
            deletion_decisions: Vec::new(),
            erase_traces: Vec::new(),
            audit: Vec::new(),
            send_limit: None,
            replace_session: None,
            caller_session: None,
        }
    }

    /// The one account this commit updates, when updating it (and announcing its events) is
    /// all the commit does: a store may write it as that single version-checked update when no
    /// endpoint receives the events.
    pub fn lone_account_update(&self) -> Option<&Account> {
        // Every field named: a new kind of write is one more thing this must weigh.
        let Commit {
            now: _,
            accounts,
            flows,
            messages,
            events: _,
            revoke_sessions,
            deletion_requests,
            erase_traces,
            audit,
            deletion_decisions,
            replace_session,
            caller_session,
            send_limit: _,
        } = self;
        let nothing_else = flows.is_empty()
            && messages.is_empty()
            && revoke_sessions.is_empty()
            && deletion_requests.is_empty()
            && erase_traces.is_empty()
            && audit.is_empty()
            && deletion_decisions.is_empty()
            && replace_session.is_none()
            && caller_session.is_none();
        match accounts.as_slice() {
            [AccountWrite::Update(account)] if nothing_else => Some(account),
            _ => None,
        }
    }

    /// How many of this commit's messages go to each recipient, by tenant and
    /// [`recipient_key`](crate::flow::recipient_key): what the send limit counts.
    pub fn sends_by_recipient(&self) -> std::collections::BTreeMap<(TenantId, String), u64> {
        let mut sending = std::collections::BTreeMap::new();
        for message in &self.messages {
            let key = (
                message.tenant.clone(),
                crate::flow::recipient_key(&message.recipient),
            );
            *sending.entry(key).or_default() += 1;
        }
        sending
    }

    /// This commit written only if its messages keep within `limit` of `class` (see
    /// [`Self::send_limit`]).
    pub fn limiting_sends(mut self, limit: Option<SendLimit>, class: SendClass) -> Self {
        self.send_limit = limit.map(|limit| (limit, class));
        self
    }

    /// This commit signing out every session of `account`, or every one but `keep`.
    pub fn revoking(mut self, account: &Account, keep: Option<SessionId>) -> Self {
        self.revoke_sessions.push(Revocation {
            tenant: account.tenant.clone(),
            account: account.uuid,
            keep,
            only: None,
        });
        self
    }

    /// This commit signing out the session `id` of `account` (nothing if it is not the account's).
    pub fn revoking_one(mut self, account: &Account, id: SessionId) -> Self {
        self.revoke_sessions.push(Revocation {
            tenant: account.tenant.clone(),
            account: account.uuid,
            keep: None,
            only: Some(id),
        });
        self
    }

    /// This commit, written only while `session` is live (see [`Self::caller_session`]).
    pub fn made_from(mut self, session: &Session) -> Self {
        self.caller_session = Some((session.tenant.clone(), session.id));
        self
    }

    /// This commit replacing the session `replaced` by `by` (see [`SessionReplacement`]).
    pub fn replacing_session(mut self, replaced: SessionId, by: Session) -> Self {
        self.replace_session = Some(SessionReplacement { replaced, by });
        self
    }

    /// This commit creating `account`, announced as `customer.created`.
    pub fn inserting(mut self, account: &Account) -> Self {
        self.accounts.push(AccountWrite::Insert(account.clone()));
        let created = crate::webhooks::Event::about(
            account,
            crate::webhooks::EventType::CustomerCreated,
            serde_json::json!({"status": account.status.as_str()}),
            self.now,
        );
        self.announcing(created)
    }

    /// This commit announcing `event` to the tenant's webhook endpoints.
    pub fn announcing(mut self, event: crate::webhooks::Event) -> Self {
        self.events.push(event);
        self
    }

    /// This commit with a version-checked update of `account`.
    pub fn updating(mut self, account: Account) -> Self {
        self.accounts.push(AccountWrite::Update(account));
        self
    }

    /// This commit erasing an account's personal data: the account written as `erased` (see
    /// `services::account_closing::erased`), its traces removed (see [`Erasure`]);
    /// `former_address` is the address it had.
    pub fn erasing(mut self, erased: Account, former_address: Option<String>) -> Self {
        self.erase_traces.push(Erasure {
            tenant: erased.tenant.clone(),
            account: erased.uuid,
            address: former_address,
        });
        self.updating(erased)
    }

    /// This commit, made only if `account` is still as read (see [`AccountWrite::Unchanged`]).
    pub fn relying_on(mut self, account: &Account) -> Self {
        self.accounts.push(AccountWrite::Unchanged(account.clone()));
        self
    }
}

/// Commits a decision in one transaction.
///
/// Errors (nothing is written on any of them): `VersionMismatch` when a version-checked account
/// update found the account changed (reload and decide again); `FlowChanged` when a flow write
/// found the flow changed (the secret in hand no longer counts); `SessionEnded` when the caller's
/// or the replaced session is no longer live; `SendLimited` past the send limit;
/// `AlreadyDecided` for a deletion request decided meanwhile; `Duplicate(..)` on uniqueness;
/// `Unavailable` otherwise.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::support::test_support::account;
    use crate::webhooks::{Event, EventType};

    #[test]
    fn only_a_commit_that_updates_one_account_and_nothing_else_is_a_lone_update() {
        let (edited, other) = (account(), account());
        let now = edited.updated_at;
        let updated = Event::about(&edited, EventType::CustomerUpdated, serde_json::json!({}), now);
        let lone = Commit::at(now).updating(edited.clone()).announcing(updated);
        assert_eq!(lone.lone_account_update(), Some(&edited));
        assert_eq!(
            Commit::at(now).updating(edited.clone()).lone_account_update(),
            Some(&edited)
        );

        let not_lone = [
            Commit::at(now),
            Commit::at(now).inserting(&edited),
            Commit::at(now).relying_on(&edited),
            Commit::at(now).updating(edited.clone()).updating(other.clone()),
            lone.clone().revoking(&edited, None),
            lone.clone().erasing(other.clone(), None),
            Commit {
                caller_session: Some((edited.tenant.clone(), SessionId(uuid::Uuid::nil()))),
                ..lone.clone()
            },
            Commit {
                audit: vec![AuditEntry {
                    id: uuid::Uuid::nil(),
                    tenant: edited.tenant.clone(),
                    account: edited.uuid,
                    kind: crate::audit::AuditKind::ProfileCorrected,
                    actor: crate::audit::Actor::Admin,
                    request_id: None,
                    client_address: None,
                    device: None,
                    at: now,
                    detail: None,
                }],
                ..lone.clone()
            },
        ];
        let (tenant, id) = (edited.tenant.clone(), uuid::Uuid::nil());
        let request = DeletionRequest {
            id: crate::deletion_request::DeletionRequestId(id),
            tenant: tenant.clone(),
            account: edited.uuid,
            status: crate::deletion_request::DeletionStatus::Pending,
            created_at: now,
            decided_at: None,
            reason: None,
        };
        let session = Session {
            id: SessionId(id),
            tenant: tenant.clone(),
            account: edited.uuid,
            created_at: now,
            expires_at: now,
            revoked_at: None,
            country: None,
            device: None,
            ip: None,
            sign_in_method: crate::session::SignInMethod::Password,
            last_seen_at: now,
        };
        let also = [
            Commit {
                flows: vec![FlowWrite::Cancel {
                    tenant: tenant.clone(),
                    id: crate::flow::FlowId(id),
                }],
                ..lone.clone()
            },
            Commit {
                messages: vec![OutboundMessage {
                    id: crate::message::MessageId(id),
                    tenant: tenant.clone(),
                    channel: crate::flow::Channel::Email,
                    recipient: "someone@example.com".into(),
                    subject: "Subject".into(),
                    sealed_body: "sealed".into(),
                    masked_text: "text".into(),
                    created_at: now,
                    forget_recipient: false,
                    account: Some(edited.uuid),
                    sender: None,
                    reply_to: None,
                    language: None,
                }],
                ..lone.clone()
            },
            Commit {
                deletion_requests: vec![request.clone()],
                ..lone.clone()
            },
            Commit {
                deletion_decisions: vec![request],
                ..lone.clone()
            },
            lone.clone().replacing_session(SessionId(id), session),
        ];
        for commit in not_lone.into_iter().chain(also) {
            assert_eq!(commit.lone_account_update(), None, "{commit:?}");
        }
    }
}
