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
    webhooks: webhooks::Webhooks,
    imports: Vec<clientele_domain::imports::ImportRecord>,
    templates: std::collections::BTreeMap<
        (
            TenantId,
            clientele_domain::messages::MessageKind,
            clientele_domain::messages::Language,
        ),
        clientele_domain::messages::StoredTemplate,
    >,
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
            webhooks: Default::default(),
            imports: Vec::new(),
            templates: Default::default(),
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

mod accounts;
mod back_office;
mod commit;
mod flows;
mod imports;
mod instance;
mod loyalty;
mod outbox;
mod sessions;
mod templates;
mod tenants;
mod webhooks;
