//! An in-memory implementation of every storage port with the same contract as the database:
//! for tests of the layers above, and checked by the same contract suite as the real backends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use clientele_domain::account::{Account, AccountUuid, PublicId};
use clientele_domain::api_key::{ApiKey, ApiKeyId};
use clientele_domain::flow::{recipient_key, Flow, FlowId, FlowStatus, FlowWrite, Purpose};
use clientele_domain::loyalty::{
    spend_first_to_expire, Amount, Lot, Order, OrderPosted, OrderStats, OrderStatus, WalletEntry,
    WalletPosted, WalletSummary,
};
use clientele_domain::message::{ClaimId, DeliveryStatus, MessageId, OutboundMessage, StoredMessage};
use clientele_domain::ports::{
    AccountRepository, AccountWrite, ApiKeyRepository, Commit, FlowRepository, InstanceSecrets,
    LoyaltyRepository, Outbox, SessionRepository, StoreError, TenantRepository, UniqueKey, UnitOfWork,
};
use clientele_domain::session::{Session, SessionId};
use clientele_domain::tenant::{Tenant, TenantId, TenantSettings};
use time::{Date, Duration, OffsetDateTime};

#[derive(Clone)]
struct State {
    tenants: std::collections::BTreeMap<TenantId, Tenant>,
    api_keys: Vec<ApiKey>,
    deletion_requests: Vec<clientele_domain::deletion_request::DeletionRequest>,
    audit: Vec<clientele_domain::audit::AuditEntry>,
    /// Keyed as the database keys them: a uuid names an account only within its tenant.
    accounts: HashMap<(TenantId, AccountUuid), Account>,
    sessions: HashMap<SessionId, Session>,
    secrets: HashMap<String, String>,
    flows: HashMap<FlowId, Flow>,
    outbox: Vec<StoredMessage>,
    claims: HashMap<MessageId, ClaimId>,
    /// The send budget each limited message drew on.
    send_classes: HashMap<MessageId, clientele_domain::flow::SendClass>,
    /// Wallet entries with what is left of each credit.
    wallet: Vec<(WalletEntry, i64)>,
    orders: Vec<Order>,
}

impl Default for State {
    fn default() -> Self {
        let default = Tenant {
            id: TenantId::default_tenant(),
            name: "Default tenant".into(),
            settings: TenantSettings::default(),
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        State {
            tenants: [(default.id.clone(), default)].into(),
            api_keys: Vec::new(),
            deletion_requests: Vec::new(),
            audit: Vec::new(),
            wallet: Vec::new(),
            orders: Vec::new(),
            accounts: HashMap::new(),
            sessions: HashMap::new(),
            secrets: HashMap::new(),
            flows: HashMap::new(),
            outbox: Vec::new(),
            claims: HashMap::new(),
            send_classes: HashMap::new(),
        }
    }
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

/// A delivered or given-up message that asked to forget its recipient is blanked.
fn forget_if_asked(m: &mut StoredMessage) {
    if m.message.forget_recipient {
        m.message.recipient = ERASED.into();
        m.message.subject = ERASED.into();
        m.message.masked_text.clear();
    }
}

const ERASED: &str = "(erased)";

fn is_open(flow: &Flow) -> bool {
    matches!(flow.status, FlowStatus::Pending | FlowStatus::Locked)
}

impl State {
    fn insert_account(&mut self, account: &Account) -> Result<(), StoreError> {
        if self
            .accounts
            .contains_key(&(account.tenant.clone(), account.uuid))
        {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        if self
            .accounts
            .values()
            .any(|a| a.tenant == account.tenant && a.public_id == account.public_id)
        {
            return Err(StoreError::Duplicate(UniqueKey::PublicId));
        }
        if self.email_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Email));
        }
        if self.username_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Username));
        }
        if self.referral_code_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::ReferralCode));
        }
        if self.phone_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Phone));
        }
        self.accounts
            .insert((account.tenant.clone(), account.uuid), account.clone());
        Ok(())
    }

    fn username_taken(&self, account: &Account) -> bool {
        account.profile.username.as_ref().is_some_and(|name| {
            self.accounts.values().any(|a| {
                a.uuid != account.uuid
                    && a.tenant == account.tenant
                    && a.profile.username.as_ref() == Some(name)
            })
        })
    }

    fn phone_taken(&self, account: &Account) -> bool {
        account.profile.phone.as_ref().is_some_and(|phone| {
            self.accounts.values().any(|a| {
                a.uuid != account.uuid
                    && a.tenant == account.tenant
                    && a.profile.phone.as_ref() == Some(phone)
            })
        })
    }

    fn referral_code_taken(&self, account: &Account) -> bool {
        account.profile.referral_code.as_ref().is_some_and(|code| {
            self.accounts.values().any(|a| {
                a.uuid != account.uuid
                    && a.tenant == account.tenant
                    && a.profile.referral_code.as_ref() == Some(code)
            })
        })
    }

    fn update_account(&mut self, account: &Account) -> Result<Account, StoreError> {
        let current_version = self.account_in(&account.tenant, account.uuid).map(|a| a.version);
        if current_version != Some(account.version) {
            return Err(StoreError::VersionMismatch);
        }
        if self.email_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Email));
        }
        if self.username_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Username));
        }
        if self.referral_code_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::ReferralCode));
        }
        if self.phone_taken(account) {
            return Err(StoreError::Duplicate(UniqueKey::Phone));
        }
        let saved = Account {
            version: account.version + 1,
            ..account.clone()
        };
        self.accounts
            .insert((saved.tenant.clone(), saved.uuid), saved.clone());
        Ok(saved)
    }

    fn write_flow(&mut self, write: &FlowWrite, now: OffsetDateTime) -> Result<(), StoreError> {
        match write {
            FlowWrite::Insert(flow) => {
                if self.flows.contains_key(&flow.id) {
                    return Err(StoreError::Duplicate(UniqueKey::Id));
                }
                let open_clash = is_open(flow)
                    && self.flows.values().any(|f| {
                        f.tenant == flow.tenant
                            && f.account == flow.account
                            && f.purpose == flow.purpose
                            && is_open(f)
                    });
                if open_clash {
                    return Err(StoreError::Duplicate(UniqueKey::OpenFlow));
                }
                self.flows.insert(flow.id, flow.clone());
            }
            FlowWrite::Replace(flow) => {
                let current = self
                    .flows
                    .get_mut(&flow.id)
                    .filter(|f| f.tenant == flow.tenant)
                    .filter(|f| f.status == FlowStatus::Pending && f.version == flow.version);
                let current = current.ok_or(StoreError::FlowChanged)?;
                current.target = flow.target.clone();
                current.secret_digest = flow.secret_digest.clone();
                current.pending_change = flow.pending_change.clone();
                current.expires_at = flow.expires_at;
                current.updated_at = flow.updated_at;
                current.sent += 1;
                current.sent_at = flow.sent_at;
                current.version += 1;
            }
            FlowWrite::Consume { tenant, id, version } => {
                let current = self
                    .flows
                    .get_mut(id)
                    .filter(|f| &f.tenant == tenant && is_open(f) && f.version == *version);
                let current = current.ok_or(StoreError::FlowChanged)?;
                current.status = FlowStatus::Confirmed;
                current.updated_at = now;
                current.version += 1;
            }
            FlowWrite::CancelAllOpen {
                tenant,
                account,
                except,
            } => {
                for current in self.flows.values_mut() {
                    let ended = !except.contains(&current.id);
                    if &current.tenant == tenant && &current.account == account && ended && is_open(current) {
                        current.status = FlowStatus::Cancelled;
                        current.updated_at = now;
                        current.version += 1;
                    }
                }
            }
            FlowWrite::Cancel { tenant, id } => {
                if let Some(current) = self
                    .flows
                    .get_mut(id)
                    .filter(|f| &f.tenant == tenant && is_open(f))
                {
                    current.status = FlowStatus::Cancelled;
                    current.updated_at = now;
                    current.version += 1;
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, commit: &Commit) -> Result<(), StoreError> {
        for write in &commit.accounts {
            match write {
                AccountWrite::Insert(account) => self.insert_account(account)?,
                AccountWrite::Update(account) => self.update_account(account).map(|_| ())?,
                AccountWrite::Unchanged(account) => {
                    let current = self.account_in(&account.tenant, account.uuid);
                    if current.map(|a| a.version) != Some(account.version) {
                        return Err(StoreError::VersionMismatch);
                    }
                }
            }
        }
        // After the account writes, as the databases check it.
        if let Some((tenant, session)) = &commit.caller_session {
            let live = self
                .sessions
                .get(session)
                .is_some_and(|s| &s.tenant == tenant && s.revoked_at.is_none() && s.expires_at > commit.now);
            if !live {
                return Err(StoreError::SessionEnded);
            }
        }
        for write in &commit.flows {
            self.write_flow(write, commit.now)?;
        }
        for erasure in &commit.erase_traces {
            let (tenant, account) = (&erasure.tenant, &erasure.account);
            let its = |m: &OutboundMessage| match m.account {
                Some(owner) => owner == *account,
                None => erasure.address.as_ref() == Some(&m.recipient),
            };
            for stored in self
                .outbox
                .iter_mut()
                .filter(|m| &m.message.tenant == tenant && its(&m.message))
            {
                stored.last_error = None;
                if stored.status == DeliveryStatus::Pending {
                    stored.status = DeliveryStatus::Abandoned;
                    stored.last_error = Some("the recipient's data was erased".into());
                }
                stored.message.recipient = ERASED.into();
                stored.message.subject = ERASED.into();
                stored.message.masked_text = String::new();
                stored.message.sealed_body = String::new();
            }
            self.flows
                .retain(|_, f| !(&f.tenant == tenant && &f.account == account));
            self.sessions
                .retain(|_, s| !(&s.tenant == tenant && &s.account == account));
        }
        if let Some((limit, class)) = commit.send_limit {
            // Counts only; the domain decides (`SendLimit::allows`).
            let since = limit.window_start(commit.now);
            for ((tenant, recipient), sending) in commit.sends_by_recipient() {
                let sent = self
                    .outbox
                    .iter()
                    .filter(|s| self.send_classes.get(&s.message.id) == Some(&class))
                    .filter(|s| s.message.tenant == tenant && s.message.created_at >= since)
                    .filter(|s| recipient_key(&s.message.recipient) == recipient)
                    .count();
                if !limit.allows(sent as u64, sending) {
                    return Err(StoreError::SendLimited);
                }
            }
            for message in &commit.messages {
                self.send_classes.insert(message.id, class);
            }
        }
        for message in &commit.messages {
            self.outbox.push(StoredMessage {
                message: message.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: message.created_at,
                last_error: None,
                sent_at: None,
            });
        }
        self.audit.extend(commit.audit.iter().cloned());
        for erasure in &commit.erase_traces {
            for entry in self.audit.iter_mut().filter(|e| {
                e.tenant == erasure.tenant
                    && e.account == erasure.account
                    && e.actor == clientele_domain::audit::Actor::Customer
            }) {
                entry.client_address = None;
            }
        }
        for request in &commit.deletion_requests {
            if self.deletion_requests.iter().any(|r| r.id == request.id) {
                return Err(StoreError::Duplicate(UniqueKey::Id));
            }
            self.deletion_requests.push(request.clone());
        }
        for decided in &commit.deletion_decisions {
            let pending = self.deletion_requests.iter_mut().find(|r| {
                r.id == decided.id
                    && r.tenant == decided.tenant
                    && r.status == clientele_domain::deletion_request::DeletionStatus::Pending
            });
            let pending = pending.ok_or(StoreError::AlreadyDecided)?;
            pending.status = decided.status;
            pending.decided_at = decided.decided_at;
            pending.reason = decided.reason.clone();
        }
        for revocation in &commit.revoke_sessions {
            for session in self.sessions.values_mut() {
                let theirs = session.tenant == revocation.tenant && session.account == revocation.account;
                if theirs && Some(session.id) != revocation.keep && session.revoked_at.is_none() {
                    session.revoked_at = Some(commit.now);
                }
            }
        }
        if let Some(replacement) = &commit.replace_session {
            let live = self.sessions.get_mut(&replacement.replaced).filter(|s| {
                s.tenant == replacement.by.tenant && s.revoked_at.is_none() && s.expires_at > commit.now
            });
            let Some(live) = live else {
                return Err(StoreError::SessionEnded);
            };
            live.revoked_at = Some(commit.now);
            self.sessions.insert(replacement.by.id, replacement.by.clone());
        }
        Ok(())
    }

    /// The message, while it is still pending under `claim`.
    fn claimed(&mut self, id: MessageId, claim: ClaimId) -> Option<&mut StoredMessage> {
        if self.claims.get(&id) != Some(&claim) {
            return None;
        }
        self.outbox
            .iter_mut()
            .find(|m| m.message.id == id && m.status == DeliveryStatus::Pending)
    }

    fn account_in(&self, tenant: &TenantId, uuid: AccountUuid) -> Option<&Account> {
        self.accounts.get(&(tenant.clone(), uuid))
    }

    fn account_in_mut(&mut self, tenant: &TenantId, uuid: AccountUuid) -> Option<&mut Account> {
        self.accounts.get_mut(&(tenant.clone(), uuid))
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
        self.state().insert_account(account)
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

    async fn find_by_phone(&self, tenant: &TenantId, phone: &str) -> Result<Option<Account>, StoreError> {
        Ok(self
            .state()
            .accounts
            .values()
            .find(|a| &a.tenant == tenant && a.profile.phone.as_ref().is_some_and(|p| p.as_str() == phone))
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
        self.state().update_account(account)
    }

    async fn record_sign_in_failure(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        audit: &clientele_domain::audit::AuditEntry,
    ) -> Result<i32, StoreError> {
        let mut state = self.state();
        let account = state
            .account_in_mut(tenant, uuid)
            .ok_or_else(|| StoreError::Unavailable("no such account".into()))?;
        // Not for an account erased meanwhile: its entries keep no client address.
        if account.status == clientele_domain::account::AccountStatus::Erased {
            return Ok(account.sign_in.failures);
        }
        account.sign_in.failures += 1;
        let failures = account.sign_in.failures;
        state.audit.push(audit.clone());
        Ok(failures)
    }

    async fn lock_sign_in(
        &self,
        tenant: &TenantId,
        uuid: AccountUuid,
        until: OffsetDateTime,
        audit: &clientele_domain::audit::AuditEntry,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        if let Some(account) = state
            .account_in_mut(tenant, uuid)
            .filter(|a| a.status != clientele_domain::account::AccountStatus::Erased)
        {
            account.sign_in.locked_until = Some(until);
            state.audit.push(audit.clone());
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

    async fn get(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.state().secrets.get(name).cloned())
    }

    async fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.state().secrets.remove(name);
        Ok(())
    }
}

#[async_trait]
impl clientele_domain::ports::Readiness for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait]
impl TenantRepository for MemoryStore {
    async fn insert_tenant(&self, tenant: &Tenant) -> Result<(), StoreError> {
        let mut state = self.state();
        if state.tenants.contains_key(&tenant.id) {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        state.tenants.insert(tenant.id.clone(), tenant.clone());
        Ok(())
    }

    async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        Ok(self.state().tenants.get(id).cloned())
    }

    async fn list_tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(self.state().tenants.values().cloned().collect())
    }

    async fn update_tenant(&self, current: &Tenant, next: &Tenant) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(stored) = state.tenants.get_mut(&next.id) else {
            return Ok(false);
        };
        if stored.name != current.name || stored.settings != current.settings {
            return Ok(false);
        }
        stored.name = next.name.clone();
        stored.settings = next.settings.clone();
        Ok(true)
    }
}

#[async_trait]
impl ApiKeyRepository for MemoryStore {
    async fn insert_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut state = self.state();
        if state
            .api_keys
            .iter()
            .any(|k| k.id == key.id || k.prefix == key.prefix)
        {
            return Err(StoreError::Duplicate(UniqueKey::Id));
        }
        state.api_keys.push(key.clone());
        Ok(())
    }

    async fn list_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, StoreError> {
        let mut keys: Vec<ApiKey> = self
            .state()
            .api_keys
            .iter()
            .filter(|k| &k.tenant == tenant)
            .cloned()
            .collect();
        keys.sort_by_key(|k| (k.created_at, k.id));
        Ok(keys)
    }

    async fn find_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKey>, StoreError> {
        Ok(self.state().api_keys.iter().find(|k| k.prefix == prefix).cloned())
    }

    async fn revoke_key(
        &self,
        tenant: &TenantId,
        id: ApiKeyId,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(key) = state
            .api_keys
            .iter_mut()
            .find(|k| k.id == id && &k.tenant == tenant)
        else {
            return Ok(false);
        };
        key.revoked_at.get_or_insert(at);
        Ok(true)
    }

    async fn touch_key(&self, id: ApiKeyId, at: OffsetDateTime) -> Result<(), StoreError> {
        if let Some(key) = self.state().api_keys.iter_mut().find(|k| k.id == id) {
            if key.last_used_at.is_none_or(|last| last < at) {
                key.last_used_at = Some(at);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl clientele_domain::ports::DeletionRequestRepository for MemoryStore {
    async fn list_requests(
        &self,
        tenant: &TenantId,
        status: Option<clientele_domain::deletion_request::DeletionStatus>,
        limit: i64,
    ) -> Result<Vec<clientele_domain::deletion_request::DeletionRequest>, StoreError> {
        let mut found: Vec<_> = self
            .state()
            .deletion_requests
            .iter()
            .filter(|r| &r.tenant == tenant && status.is_none_or(|s| r.status == s))
            .cloned()
            .collect();
        found.sort_by_key(|r| (r.created_at, r.id.0));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn find_request(
        &self,
        tenant: &TenantId,
        id: clientele_domain::deletion_request::DeletionRequestId,
    ) -> Result<Option<clientele_domain::deletion_request::DeletionRequest>, StoreError> {
        Ok(self
            .state()
            .deletion_requests
            .iter()
            .find(|r| &r.tenant == tenant && r.id == id)
            .cloned())
    }

    async fn has_pending(&self, tenant: &TenantId, account: AccountUuid) -> Result<bool, StoreError> {
        Ok(self.state().deletion_requests.iter().any(|r| {
            &r.tenant == tenant
                && r.account == account
                && r.status == clientele_domain::deletion_request::DeletionStatus::Pending
        }))
    }
}

#[async_trait]
impl clientele_domain::ports::AuditLog for MemoryStore {
    async fn append(&self, entry: &clientele_domain::audit::AuditEntry) -> Result<(), StoreError> {
        self.state().audit.push(entry.clone());
        Ok(())
    }

    async fn list_audit(
        &self,
        tenant: &TenantId,
        account: Option<AccountUuid>,
        kind: Option<clientele_domain::audit::AuditKind>,
        limit: i64,
    ) -> Result<Vec<clientele_domain::audit::AuditEntry>, StoreError> {
        let mut found: Vec<_> = self
            .state()
            .audit
            .iter()
            .filter(|e| &e.tenant == tenant)
            .filter(|e| account.is_none_or(|a| e.account == a))
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .cloned()
            .collect();
        found.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }
}

#[async_trait]
impl UnitOfWork for MemoryStore {
    async fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        let mut state = self.state();
        // All or nothing: apply to a copy, keep it only if every write succeeded.
        let mut next = state.clone();
        next.apply(&commit)?;
        *state = next;
        Ok(())
    }
}

#[async_trait]
impl FlowRepository for MemoryStore {
    async fn find(&self, tenant: &TenantId, id: FlowId) -> Result<Option<Flow>, StoreError> {
        Ok(self
            .state()
            .flows
            .get(&id)
            .filter(|f| &f.tenant == tenant)
            .cloned())
    }

    async fn find_open(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        purpose: Purpose,
    ) -> Result<Option<Flow>, StoreError> {
        Ok(self
            .state()
            .flows
            .values()
            .find(|f| &f.tenant == tenant && f.account == account && f.purpose == purpose && is_open(f))
            .cloned())
    }

    async fn register_attempt(
        &self,
        tenant: &TenantId,
        id: FlowId,
        now: OffsetDateTime,
    ) -> Result<Option<Flow>, StoreError> {
        let mut state = self.state();
        let Some(flow) = state.flows.get_mut(&id).filter(|f| &f.tenant == tenant) else {
            return Ok(None);
        };
        if flow.status != FlowStatus::Pending || flow.attempts >= flow.max_attempts || flow.expires_at <= now
        {
            return Ok(None);
        }
        flow.attempts += 1;
        flow.updated_at = now;
        if flow.attempts >= flow.max_attempts {
            flow.status = FlowStatus::Locked;
        }
        Ok(Some(flow.clone()))
    }
}

#[async_trait]
impl Outbox for MemoryStore {
    async fn claim_due(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: i64,
        claim: ClaimId,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut state = self.state();
        let mut due: Vec<&mut StoredMessage> = state
            .outbox
            .iter_mut()
            .filter(|m| m.status == DeliveryStatus::Pending && m.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|m| m.next_attempt_at);
        let claimed: Vec<StoredMessage> = due
            .into_iter()
            .take(limit.max(0) as usize)
            .map(|m| {
                let claimed = m.clone();
                m.next_attempt_at = now + lease;
                claimed
            })
            .collect();
        for m in &claimed {
            state.claims.insert(m.message.id, claim);
        }
        Ok(claimed)
    }

    async fn mark_sent(
        &self,
        id: MessageId,
        claim: ClaimId,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(m) = state.claimed(id, claim) else {
            return Ok(false);
        };
        m.status = DeliveryStatus::Sent;
        m.sent_at = Some(now);
        m.attempts += 1;
        m.message.sealed_body.clear();
        forget_if_asked(m);
        Ok(true)
    }

    async fn mark_failed(
        &self,
        id: MessageId,
        claim: ClaimId,
        next_attempt_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(m) = state.claimed(id, claim) else {
            return Ok(false);
        };
        m.attempts += 1;
        m.last_error = Some(error.chars().take(500).collect());
        match next_attempt_at {
            Some(next) => m.next_attempt_at = next,
            None => {
                m.status = DeliveryStatus::Abandoned;
                m.message.sealed_body.clear();
                forget_if_asked(m);
            }
        }
        Ok(true)
    }

    async fn pending_by_channel(&self) -> Result<Vec<clientele_domain::ports::PendingMessages>, StoreError> {
        let state = self.state();
        let mut summary: Vec<clientele_domain::ports::PendingMessages> = Vec::new();
        for stored in state
            .outbox
            .iter()
            .filter(|m| m.status == DeliveryStatus::Pending)
        {
            let channel = stored.message.channel;
            let at = stored.message.created_at;
            match summary.iter_mut().find(|p| p.channel == channel) {
                Some(p) => {
                    p.count += 1;
                    p.oldest = p.oldest.map(|oldest| oldest.min(at));
                }
                None => summary.push(clientele_domain::ports::PendingMessages {
                    channel,
                    count: 1,
                    oldest: Some(at),
                }),
            }
        }
        Ok(summary)
    }

    async fn list(
        &self,
        tenant: &TenantId,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let state = self.state();
        let mut listed: Vec<StoredMessage> = state
            .outbox
            .iter()
            .filter(|m| &m.message.tenant == tenant && status.is_none_or(|s| m.status == s))
            .cloned()
            .collect();
        listed.sort_by_key(|m| std::cmp::Reverse(m.message.created_at));
        listed.truncate(limit.max(0) as usize);
        Ok(listed)
    }
}

#[async_trait]
impl LoyaltyRepository for MemoryStore {
    async fn post_wallet_entry(&self, entry: &WalletEntry, today: Date) -> Result<WalletPosted, StoreError> {
        let mut state = self.state();
        let same_account = |e: &WalletEntry| e.tenant == entry.tenant && e.account == entry.account;
        if let Some((earlier, _)) = state
            .wallet
            .iter()
            .find(|(e, _)| same_account(e) && e.reference == entry.reference)
        {
            return Ok(if earlier.same_post_as(entry) {
                WalletPosted::Replayed(earlier.clone())
            } else {
                WalletPosted::ReferenceTaken(earlier.clone())
            });
        }
        if entry.amount.0 < 0 {
            let lots: Vec<Lot> = state
                .wallet
                .iter()
                .filter(|(e, _)| same_account(e) && e.kind == entry.kind)
                .map(|(e, remaining)| Lot {
                    reference: e.reference.clone(),
                    remaining: *remaining,
                    expires_on: e.expires_on,
                    created_at: e.created_at,
                })
                .collect();
            // The domain decides what is spent; this writes it.
            let spends = match spend_first_to_expire(&lots, -entry.amount.0, today) {
                Ok(spends) => spends,
                Err(spendable) => return Ok(WalletPosted::Insufficient { spendable }),
            };
            for spend in spends {
                let lot = state
                    .wallet
                    .iter_mut()
                    .find(|(e, _)| same_account(e) && e.kind == entry.kind && e.reference == spend.reference);
                match lot {
                    Some((_, remaining)) if *remaining >= spend.amount => *remaining -= spend.amount,
                    _ => return Err(StoreError::Unavailable("a lot to spend vanished".into())),
                }
            }
        }
        state.wallet.push((entry.clone(), entry.amount.0.max(0)));
        Ok(WalletPosted::Created(entry.clone()))
    }

    async fn wallet_entries(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<WalletEntry>, StoreError> {
        let mut found: Vec<WalletEntry> = self
            .state()
            .wallet
            .iter()
            .filter(|(e, _)| &e.tenant == tenant && e.account == account)
            .map(|(e, _)| e.clone())
            .collect();
        found.sort_by(|a, b| (b.created_at, &b.reference).cmp(&(a.created_at, &a.reference)));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn wallet_summary(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        today: Date,
    ) -> Result<WalletSummary, StoreError> {
        let mut summary = WalletSummary::default();
        let state = self.state();
        for (entry, remaining) in &state.wallet {
            let live = *remaining > 0 && entry.expires_on.is_none_or(|d| d >= today);
            if &entry.tenant != tenant || entry.account != account || !live {
                continue;
            }
            let balance = summary.of(entry.kind);
            balance.spendable.0 += remaining;
            if let Some(day) = entry.expires_on {
                balance.next_to_expire = match balance.next_to_expire {
                    Some((sum, next)) if next == day => Some((Amount(sum.0 + remaining), day)),
                    Some((sum, next)) if next < day => Some((sum, next)),
                    _ => Some((Amount(*remaining), day)),
                };
            }
        }
        Ok(summary)
    }

    async fn post_order(&self, order: &Order) -> Result<OrderPosted, StoreError> {
        let mut state = self.state();
        let earlier = state.orders.iter().find(|o| {
            o.tenant == order.tenant && o.account == order.account && o.reference == order.reference
        });
        if let Some(earlier) = earlier {
            return Ok(if earlier.same_post_as(order) {
                OrderPosted::Replayed(earlier.clone())
            } else {
                OrderPosted::ReferenceTaken(earlier.clone())
            });
        }
        state.orders.push(order.clone());
        Ok(OrderPosted::Created(order.clone()))
    }

    async fn set_order_status(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        reference: &str,
        status: OrderStatus,
    ) -> Result<Option<Order>, StoreError> {
        let mut state = self.state();
        let found = state
            .orders
            .iter_mut()
            .find(|o| &o.tenant == tenant && o.account == account && o.reference == reference);
        Ok(found.map(|o| {
            o.status = status;
            o.clone()
        }))
    }

    async fn orders(
        &self,
        tenant: &TenantId,
        account: AccountUuid,
        limit: i64,
    ) -> Result<Vec<Order>, StoreError> {
        let mut found: Vec<Order> = self
            .state()
            .orders
            .iter()
            .filter(|o| &o.tenant == tenant && o.account == account)
            .cloned()
            .collect();
        found.sort_by(|a, b| (b.placed_at, &b.reference).cmp(&(a.placed_at, &a.reference)));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn order_stats(&self, tenant: &TenantId, account: AccountUuid) -> Result<OrderStats, StoreError> {
        let state = self.state();
        let theirs = state
            .orders
            .iter()
            .filter(|o| &o.tenant == tenant && o.account == account);
        let mut stats = OrderStats::default();
        for order in theirs {
            stats.count += 1;
            if order.status == OrderStatus::Completed {
                stats.successful += 1;
                stats.total_spending.0 += order.amount.0;
            }
        }
        Ok(stats)
    }
}
