//! What every contract case shares: the stores under test, one per backend, and the values
//! the cases store.
#![allow(dead_code)]

pub use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
pub use clientele_domain::api_key::{ApiKey, ApiKeyId};
pub use clientele_domain::audit::{Actor, AuditEntry, AuditKind};
pub use clientele_domain::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
pub use clientele_domain::flow::{
    Channel, Flow, FlowId, FlowStatus, FlowWrite, Purpose, SendClass, SendLimit,
};
pub use clientele_domain::loyalty::{
    Amount, Balance, Order, OrderPosted, OrderStats, OrderStatus, WalletEntry, WalletKind, WalletPosted,
};
pub use clientele_domain::message::{ClaimId, DeliveryStatus, MessageId, OutboundMessage};
pub use clientele_domain::messages::{
    Language, MessageKind, MessageSettings, MessageTemplate, StoredTemplate,
};
pub use clientele_domain::pending_change::{HeldEdit, HeldSignIn, PendingChange};
pub use clientele_domain::ports::{
    AccountRepository, AccountWrite, ApiKeyRepository, AuditLog, Commit, CustomerImports,
    DeletionRequestRepository, FlowRepository, InstanceSecrets, LoyaltyRepository, MessageTemplates, Outbox,
    Readiness, SessionRepository, StoreError, TenantRepository, UniqueKey, UnitOfWork, WebhookRepository,
};
pub use clientele_domain::profile::{Address, Profile};
pub use clientele_domain::session::{Session, SessionId};
pub use clientele_domain::sign_in_throttle::SignInThrottle;
pub use clientele_domain::tenant::{ClosingPolicy, Tenant, TenantId, TenantSettings};
pub use clientele_domain::values::{Birthday, Email, Locale, Name, PasswordHash, Phone};
pub use clientele_domain::webhooks::{
    Attempt, DeliveryStatus as WebhookStatus, Disabling, Endpoint, Event, EventFilter, EventType,
    FailedDelivery, Retrying, WebhookId,
};
pub use clientele_store::Database;
pub use clientele_testkit::MemoryStore;
pub use futures_util::future::{join_all, BoxFuture};
pub use std::sync::Arc;
pub use time::macros::{date, datetime};
pub use time::{Duration, OffsetDateTime};
pub use uuid::Uuid;

#[derive(Clone)]
pub struct Stores {
    pub accounts: Arc<dyn AccountRepository>,
    pub sessions: Arc<dyn SessionRepository>,
    pub secrets: Arc<dyn InstanceSecrets>,
    pub readiness: Arc<dyn Readiness>,
    pub flows: Arc<dyn FlowRepository>,
    pub commits: Arc<dyn UnitOfWork>,
    pub outbox: Arc<dyn Outbox>,
    pub tenants: Arc<dyn TenantRepository>,
    pub api_keys: Arc<dyn ApiKeyRepository>,
    pub deletions: Arc<dyn DeletionRequestRepository>,
    pub audit: Arc<dyn AuditLog>,
    pub loyalty: Arc<dyn LoyaltyRepository>,
    pub webhooks: Arc<dyn WebhookRepository>,
    pub imports: Arc<dyn CustomerImports>,
    pub templates: Arc<dyn MessageTemplates>,
}

pub trait AllPorts:
    AccountRepository
    + SessionRepository
    + InstanceSecrets
    + Readiness
    + FlowRepository
    + UnitOfWork
    + Outbox
    + TenantRepository
    + ApiKeyRepository
    + DeletionRequestRepository
    + AuditLog
    + LoyaltyRepository
    + WebhookRepository
    + CustomerImports
    + MessageTemplates
    + Clone
    + 'static
{
}
impl<S> AllPorts for S where
    S: AccountRepository
        + SessionRepository
        + InstanceSecrets
        + Readiness
        + FlowRepository
        + UnitOfWork
        + Outbox
        + TenantRepository
        + ApiKeyRepository
        + DeletionRequestRepository
        + AuditLog
        + LoyaltyRepository
        + WebhookRepository
        + CustomerImports
        + MessageTemplates
        + Clone
        + 'static
{
}

impl Stores {
    pub fn of<S: AllPorts>(store: S) -> Self {
        Stores {
            accounts: Arc::new(store.clone()),
            sessions: Arc::new(store.clone()),
            secrets: Arc::new(store.clone()),
            readiness: Arc::new(store.clone()),
            flows: Arc::new(store.clone()),
            commits: Arc::new(store.clone()),
            tenants: Arc::new(store.clone()),
            api_keys: Arc::new(store.clone()),
            deletions: Arc::new(store.clone()),
            audit: Arc::new(store.clone()),
            loyalty: Arc::new(store.clone()),
            webhooks: Arc::new(store.clone()),
            imports: Arc::new(store.clone()),
            templates: Arc::new(store.clone()),
            outbox: Arc::new(store),
        }
    }
}

/// A contract case: it gets the stores and checks what they keep.
pub type Case = fn(Stores) -> BoxFuture<'static, ()>;

impl Stores {
    pub fn in_memory() -> Stores {
        Stores::of(MemoryStore::new())
    }

    /// A fresh SQLite file (kept while the returned directory lives), claimed for sole use as
    /// the server does: principals are then served from memory, and the contract holds so.
    pub async fn sqlite() -> (Stores, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("contract.db").display());
        let database = Database::open(&url).await.unwrap();
        assert!(database.claim_sole_use(std::time::Duration::ZERO).await);
        (Stores::of(database), dir)
    }

    /// A fresh PostgreSQL database (dropped with the returned handle); `None` where the test kit
    /// found no PostgreSQL (it says so, and fails under CI).
    pub async fn postgres() -> Option<(Stores, clientele_testkit::PgTestDatabase)> {
        let db = clientele_testkit::postgres_database()?;
        let stores = Stores::of(Database::open(db.url()).await.unwrap());
        Some((stores, db))
    }
}

// Whole microseconds: what both databases keep.
pub const T0: OffsetDateTime = datetime!(2026-11-22 10:00:00.123456 UTC);

/// `account` as stored now (it must exist).
pub async fn reloaded(s: &Stores, account: &Account) -> Account {
    s.accounts
        .find_by_uuid(&account.tenant, account.uuid)
        .await
        .unwrap()
        .expect("the account is stored")
}

pub fn tenant() -> TenantId {
    TenantId::default_tenant()
}

pub fn unique_public_id() -> PublicId {
    PublicId(PublicId::MIN + (Uuid::new_v4().as_u128() % 80_000_000_000_000) as i64)
}

/// An account with every field set, so a round trip checks every column.
pub fn full_account() -> Account {
    let tag = Uuid::new_v4().simple().to_string();
    Account {
        uuid: AccountUuid(Uuid::new_v4()),
        public_id: unique_public_id(),
        tenant: tenant(),
        status: AccountStatus::Active,
        email: Some(Email::parse(&format!("Ann.{tag}@Example.com")).unwrap()),
        email_confirmed: true,
        email_temporary: false,
        password_hash: Some(PasswordHash::from_stored("$2b$04$abcdefghijklmnopqrstuv".into())),
        two_factor: true,
        factors: Default::default(),
        external_id: Some(format!("crm-{tag}")),
        profile: Profile {
            username: Some(format!("ann_{tag}")),
            nickname: Some(Name::parse("Annie").unwrap()),
            first_name: Some(Name::parse("Ann").unwrap()),
            middle_name: Some(Name::parse("Marie").unwrap()),
            last_name: Some(Name::parse("Example").unwrap()),
            birthday: Some(Birthday::from_date(date!(1990 - 05 - 15), date!(2026 - 11 - 22)).unwrap()),
            birthday_locked: true,
            gender: Some("female".into()),
            // A number of its own: numbers are unique per tenant.
            phone: Some(
                Phone::parse(&format!(
                    "+1415{:07}",
                    u32::from_str_radix(&tag[..6], 16).unwrap() % 10_000_000
                ))
                .unwrap(),
            ),
            mobile: Some(Phone::parse("+447700900123").unwrap()),
            address: Address {
                line: Some("1 Main St".into()),
                town: Some("Springfield".into()),
                postcode: Some("12345".into()),
                region: Some("IL".into()),
                country: Some("US".into()),
            },
            locale: Some(Locale::parse("en_US").unwrap()),
            push_token: Some("push".into()),
            wallet_address: Some("0x123".into()),
            subscriptions: vec!["news".into(), "offers".into()],
            referral_code: Some(format!("ANN{}", &tag[..8])),
        },
        sign_in: SignInThrottle {
            failures: 2,
            locked_until: Some(T0 + Duration::minutes(5)),
        },
        created_at: T0,
        updated_at: T0,
        version: 0,
    }
}

/// An audit entry about `account`.
pub fn audit_of(account: &Account, kind: AuditKind) -> AuditEntry {
    AuditEntry {
        id: Uuid::new_v4(),
        tenant: account.tenant.clone(),
        account: account.uuid,
        kind,
        actor: Actor::Customer,
        request_id: None,
        client_address: Some("192.0.2.1".into()),
        device: Some("Firefox on Linux".into()),
        at: T0,
        detail: None,
    }
}

pub fn session_of(account: &Account, expires_at: OffsetDateTime) -> Session {
    Session {
        id: SessionId(Uuid::new_v4()),
        tenant: account.tenant.clone(),
        account: account.uuid,
        created_at: T0,
        expires_at,
        revoked_at: None,
        country: None,
        device: None,
        ip: None,
        sign_in_method: clientele_domain::session::SignInMethod::Password,
        last_seen_at: T0,
    }
}

pub fn flow_of(account: &Account, purpose: Purpose) -> Flow {
    Flow {
        id: FlowId(Uuid::new_v4()),
        tenant: account.tenant.clone(),
        account: account.uuid,
        purpose,
        channel: Channel::Email,
        target: "new@example.com".into(),
        secret_digest: "digest-1".into(),
        status: FlowStatus::Pending,
        attempts: 0,
        max_attempts: 5,
        pending_change: (purpose == Purpose::EmailChange)
            .then(|| PendingChange::NewAddress("new@example.com".into())),
        expires_at: T0 + Duration::hours(1),
        created_at: T0,
        updated_at: T0,
        sent: 1,
        sent_at: T0,
        version: 0,
    }
}

pub fn message_to(recipient: &str, at: OffsetDateTime) -> OutboundMessage {
    OutboundMessage {
        id: MessageId(Uuid::new_v4()),
        tenant: tenant(),
        channel: Channel::Email,
        recipient: recipient.into(),
        subject: "Subject".into(),
        sealed_body: "sealed.body".into(),
        masked_text: "Code: ••••".into(),
        created_at: at,
        forget_recipient: false,
        account: None,
        sender: Some("\"Acme Shop\" <hello@acme.example>".into()),
        reply_to: Some("care@acme.example".into()),
        language: Some("de".into()),
    }
}

/// A message written for `account`.
pub fn message_for(account: &Account, recipient: &str, at: OffsetDateTime) -> OutboundMessage {
    OutboundMessage {
        account: Some(account.uuid),
        ..message_to(recipient, at)
    }
}

pub async fn outbox_of(s: &Stores, recipient: &str) -> Vec<clientele_domain::message::StoredMessage> {
    let all = s.outbox.list(&tenant(), None, None, 1000).await.unwrap();
    all.into_iter()
        .filter(|m| m.message.recipient == recipient)
        .collect()
}

pub fn new_tenant() -> Tenant {
    Tenant {
        id: TenantId::parse(&format!("t-{}", &Uuid::new_v4().simple().to_string()[..12])).unwrap(),
        name: "Acme".into(),
        settings: TenantSettings::default(),
        created_at: T0,
    }
}

pub fn key_of(tenant: &TenantId, prefix: &str) -> ApiKey {
    ApiKey {
        id: ApiKeyId(Uuid::new_v4()),
        tenant: tenant.clone(),
        name: "shop".into(),
        prefix: prefix.into(),
        digest: "digest".into(),
        created_at: T0,
        last_used_at: None,
        revoked_at: None,
    }
}

pub fn wallet_entry(
    account: &Account,
    kind: WalletKind,
    reference: &str,
    amount: i64,
    expires_in: Option<i64>,
) -> WalletEntry {
    WalletEntry {
        tenant: account.tenant.clone(),
        account: account.uuid,
        kind,
        reference: reference.into(),
        amount: Amount(amount),
        expires_on: expires_in.map(|days| T0.date() + Duration::days(days)),
        created_at: T0,
    }
}

/// An event no endpoint hears (the tenant has none): what posting to the ledger announces in
/// the cases that are not about webhooks.
pub fn unheard() -> Event {
    Event::of(
        &TenantId::parse("nobody-listens").unwrap(),
        AccountUuid(Uuid::nil()),
        EventType::LoyaltyPosted,
        serde_json::json!({}),
        T0,
    )
}
