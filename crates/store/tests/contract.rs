//! One contract for the storage ports, run against the in-memory fake, SQLite and PostgreSQL.
// Wallet amounts are written in hundredths grouped as such: 150_50 is 150.50.
#![allow(clippy::inconsistent_digit_grouping)]

use std::sync::Arc;

use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::api_key::{ApiKey, ApiKeyId};
use clientele_domain::audit::{Actor, AuditEntry, AuditKind};
use clientele_domain::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use clientele_domain::flow::{Channel, Flow, FlowId, FlowStatus, FlowWrite, Purpose, SendClass, SendLimit};
use clientele_domain::loyalty::{
    Amount, Balance, Order, OrderPosted, OrderStats, OrderStatus, WalletEntry, WalletKind, WalletPosted,
};
use clientele_domain::message::{ClaimId, DeliveryStatus, MessageId, OutboundMessage};
use clientele_domain::pending_change::{HeldEdit, HeldSignIn, PendingChange};
use clientele_domain::ports::{
    AccountRepository, AccountWrite, ApiKeyRepository, AuditLog, Commit, DeletionRequestRepository,
    FlowRepository, InstanceSecrets, LoyaltyRepository, Outbox, Readiness, SessionRepository, StoreError,
    TenantRepository, UniqueKey, UnitOfWork,
};
use clientele_domain::profile::{Address, Profile};
use clientele_domain::session::{Session, SessionId};
use clientele_domain::sign_in_throttle::SignInThrottle;
use clientele_domain::tenant::{ClosingPolicy, Tenant, TenantId, TenantSettings};
use clientele_domain::values::{Birthday, Email, Locale, Name, PasswordHash, Phone};
use clientele_store::Database;
use clientele_testkit::MemoryStore;
use futures_util::future::{join_all, BoxFuture};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

mod lifecycle;
mod plans;

#[derive(Clone)]
struct Stores {
    accounts: Arc<dyn AccountRepository>,
    sessions: Arc<dyn SessionRepository>,
    secrets: Arc<dyn InstanceSecrets>,
    readiness: Arc<dyn Readiness>,
    flows: Arc<dyn FlowRepository>,
    commits: Arc<dyn UnitOfWork>,
    outbox: Arc<dyn Outbox>,
    tenants: Arc<dyn TenantRepository>,
    api_keys: Arc<dyn ApiKeyRepository>,
    deletions: Arc<dyn DeletionRequestRepository>,
    audit: Arc<dyn AuditLog>,
    loyalty: Arc<dyn LoyaltyRepository>,
}

trait AllPorts:
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
        + Clone
        + 'static
{
}

impl Stores {
    fn of<S: AllPorts>(store: S) -> Self {
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
            outbox: Arc::new(store),
        }
    }
}

// Whole microseconds: what both databases keep.
const T0: OffsetDateTime = datetime!(2026-11-22 10:00:00.123456 UTC);

/// `account` as stored now (it must exist).
async fn reloaded(s: &Stores, account: &Account) -> Account {
    s.accounts
        .find_by_uuid(&account.tenant, account.uuid)
        .await
        .unwrap()
        .expect("the account is stored")
}

fn tenant() -> TenantId {
    TenantId::default_tenant()
}

fn unique_public_id() -> PublicId {
    PublicId(PublicId::MIN + (Uuid::new_v4().as_u128() % 80_000_000_000_000) as i64)
}

/// An account with every field set, so a round trip checks every column.
fn full_account() -> Account {
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
fn audit_of(account: &Account, kind: AuditKind) -> AuditEntry {
    AuditEntry {
        id: Uuid::new_v4(),
        tenant: account.tenant.clone(),
        account: account.uuid,
        kind,
        actor: Actor::Customer,
        request_id: None,
        client_address: Some("192.0.2.1".into()),
        at: T0,
        detail: None,
    }
}

fn session_of(account: &Account, expires_at: OffsetDateTime) -> Session {
    Session {
        id: SessionId(Uuid::new_v4()),
        tenant: account.tenant.clone(),
        account: account.uuid,
        created_at: T0,
        expires_at,
        revoked_at: None,
        country: None,
    }
}

async fn round_trip_keeps_every_field(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let by_uuid = s.accounts.find_by_uuid(&tenant(), account.uuid).await.unwrap();
    assert_eq!(by_uuid.as_ref(), Some(&account));
    let by_id = s
        .accounts
        .find_by_public_id(&tenant(), account.public_id)
        .await
        .unwrap();
    assert_eq!(by_id.as_ref(), Some(&account));
    let email = account.email.as_ref().unwrap().normalized().to_owned();
    let by_email = s.accounts.find_by_email(&tenant(), &email).await.unwrap();
    assert_eq!(by_email.as_ref(), Some(&account));

    let mut bare = full_account();
    bare.profile = Profile::default();
    bare.password_hash = None;
    bare.sign_in = SignInThrottle::default();
    s.accounts.insert(&bare).await.unwrap();
    assert_eq!(
        s.accounts.find_by_uuid(&tenant(), bare.uuid).await.unwrap(),
        Some(bare)
    );
}

async fn lookups_stay_inside_the_tenant(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let other = TenantId::parse("other").unwrap();
    assert_eq!(s.accounts.find_by_uuid(&other, account.uuid).await.unwrap(), None);
    assert_eq!(
        s.accounts
            .find_by_public_id(&other, account.public_id)
            .await
            .unwrap(),
        None
    );
    let email = account.email.as_ref().unwrap().normalized().to_owned();
    assert_eq!(s.accounts.find_by_email(&other, &email).await.unwrap(), None);
    assert_eq!(
        s.accounts
            .find_by_uuid(&tenant(), AccountUuid(Uuid::new_v4()))
            .await
            .unwrap(),
        None
    );
}

async fn uniqueness_is_enforced_per_rule(s: Stores) {
    let first = full_account();
    s.accounts.insert(&first).await.unwrap();

    let mut same_email = full_account();
    same_email.email = Some(Email::parse(&first.email.as_ref().unwrap().as_str().to_uppercase()).unwrap());
    assert_eq!(
        s.accounts.insert(&same_email).await,
        Err(StoreError::Duplicate(UniqueKey::Email))
    );

    let mut same_id = full_account();
    same_id.public_id = first.public_id;
    assert_eq!(
        s.accounts.insert(&same_id).await,
        Err(StoreError::Duplicate(UniqueKey::PublicId))
    );

    let mut same_uuid = full_account();
    same_uuid.uuid = first.uuid;
    assert_eq!(
        s.accounts.insert(&same_uuid).await,
        Err(StoreError::Duplicate(UniqueKey::Id))
    );

    let mut same_phone = full_account();
    same_phone.profile.phone = first.profile.phone.clone();
    assert_eq!(
        s.accounts.insert(&same_phone).await,
        Err(StoreError::Duplicate(UniqueKey::Phone))
    );
    let mut same_code = full_account();
    same_code.profile.referral_code = first.profile.referral_code.clone();
    assert_eq!(
        s.accounts.insert(&same_code).await,
        Err(StoreError::Duplicate(UniqueKey::ReferralCode))
    );
    let mut phoneless = full_account();
    phoneless.profile.phone = None;
    phoneless.profile.referral_code = None;
    s.accounts.insert(&phoneless).await.unwrap();
    let mut taking = s
        .accounts
        .find_by_uuid(&tenant(), phoneless.uuid)
        .await
        .unwrap()
        .unwrap();
    taking.profile.phone = first.profile.phone.clone();
    assert_eq!(
        s.accounts.update(&taking).await,
        Err(StoreError::Duplicate(UniqueKey::Phone)),
        "an update cannot take another account's number"
    );

    // Accounts without an email (erased ones) do not collide with each other.
    for _ in 0..2 {
        let mut erased = full_account();
        erased.email = None;
        s.accounts.insert(&erased).await.unwrap();
    }
}

async fn update_checks_the_version(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let mut edited = account.clone();
    edited.profile.nickname = Some(Name::parse("Changed").unwrap());
    edited.profile.phone = None;
    edited.updated_at = T0 + Duration::seconds(1);
    let saved = s.accounts.update(&edited).await.unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(
        s.accounts.find_by_uuid(&tenant(), account.uuid).await.unwrap(),
        Some(saved)
    );
    // A writer that read version 0 loses and changes nothing.
    let mut stale = account.clone();
    stale.profile.nickname = Some(Name::parse("Stale").unwrap());
    assert_eq!(s.accounts.update(&stale).await, Err(StoreError::VersionMismatch));
    let stored = reloaded(&s, &account).await;
    assert_eq!(stored.profile.nickname.unwrap().as_str(), "Changed");
    // An account that does not exist cannot be updated.
    assert_eq!(
        s.accounts.update(&full_account()).await,
        Err(StoreError::VersionMismatch)
    );
}

async fn twenty_racing_writers_one_winner(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let attempts = (0..20).map(|i| {
        let (accounts, mut edit) = (s.accounts.clone(), account.clone());
        edit.profile.nickname = Some(Name::parse(&format!("Writer {i}")).unwrap());
        async move { accounts.update(&edit).await }
    });
    let results = join_all(attempts).await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || r == &Err(StoreError::VersionMismatch)));
    let stored = reloaded(&s, &account).await;
    assert_eq!(stored.version, 1);
}

async fn update_cannot_take_a_used_email(s: Stores) {
    let (first, second) = (full_account(), full_account());
    s.accounts.insert(&first).await.unwrap();
    s.accounts.insert(&second).await.unwrap();
    let mut taking = second.clone();
    taking.email = first.email.clone();
    assert_eq!(
        s.accounts.update(&taking).await,
        Err(StoreError::Duplicate(UniqueKey::Email))
    );
}

async fn sign_in_failures_count_atomically(s: Stores) {
    let mut account = full_account();
    account.sign_in = SignInThrottle::default();
    s.accounts.insert(&account).await.unwrap();
    let counts = join_all((0..20).map(|_| {
        let accounts = s.accounts.clone();
        let failed = audit_of(&account, AuditKind::SignInFailed);
        async move {
            accounts
                .record_sign_in_failure(&tenant(), account.uuid, &failed)
                .await
                .unwrap()
        }
    }))
    .await;
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=20).collect::<Vec<_>>());
    s.accounts
        .lock_sign_in(
            &tenant(),
            account.uuid,
            T0 + Duration::hours(1),
            &audit_of(&account, AuditKind::SignInLocked),
        )
        .await
        .unwrap();
    // Each with its audit entry, written in the same transaction.
    let trail = s
        .audit
        .list_audit(&tenant(), Some(account.uuid), None, 100)
        .await
        .unwrap();
    let count = |kind| trail.iter().filter(|e| e.kind == kind).count();
    assert_eq!(
        (count(AuditKind::SignInFailed), count(AuditKind::SignInLocked)),
        (20, 1)
    );
    let stored = reloaded(&s, &account).await;
    assert_eq!(
        stored.sign_in,
        SignInThrottle {
            failures: 20,
            locked_until: Some(T0 + Duration::hours(1))
        }
    );
    s.accounts
        .reset_sign_in_failures(&tenant(), account.uuid)
        .await
        .unwrap();
    let stored = reloaded(&s, &account).await;
    assert_eq!(stored.sign_in, SignInThrottle::default());
}

async fn the_latest_live_session_tells_when_and_where(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    assert_eq!(
        s.sessions
            .latest_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        None
    );
    let older = Session {
        created_at: T0 - Duration::minutes(10),
        country: Some("FR".into()),
        ..session_of(&account, T0 + Duration::hours(1))
    };
    let newer = Session {
        created_at: T0 - Duration::minutes(1),
        country: Some("DE".into()),
        ..session_of(&account, T0 + Duration::hours(2))
    };
    let expired_newest = Session {
        created_at: T0,
        ..session_of(&account, T0 - Duration::seconds(1))
    };
    for session in [&older, &newer, &expired_newest] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    let latest = s
        .sessions
        .latest_active(&tenant(), account.uuid, T0)
        .await
        .unwrap();
    assert_eq!(
        latest,
        Some(newer.clone()),
        "the newest live one, with its country"
    );
    let other = TenantId::parse("other").unwrap();
    assert_eq!(
        s.sessions.latest_active(&other, account.uuid, T0).await.unwrap(),
        None
    );
    s.sessions.revoke(newer.id, T0).await.unwrap();
    let latest = s
        .sessions
        .latest_active(&tenant(), account.uuid, T0)
        .await
        .unwrap();
    assert_eq!(latest, Some(older));
}

async fn usernames_are_unique_per_tenant(s: Stores) {
    let first = full_account();
    s.accounts.insert(&first).await.unwrap();
    let mut second = full_account();
    second.profile.username = first.profile.username.clone();
    assert_eq!(
        s.accounts.insert(&second).await,
        Err(StoreError::Duplicate(UniqueKey::Username))
    );
    second.profile.username = Some(format!("{}-2", first.profile.username.clone().unwrap()));
    s.accounts.insert(&second).await.unwrap();
    let mut taken = second.clone();
    taken.profile.username = first.profile.username.clone();
    assert_eq!(
        s.accounts.update(&taken).await,
        Err(StoreError::Duplicate(UniqueKey::Username))
    );
    // Another tenant's account may have it.
    let elsewhere = new_tenant();
    s.tenants.insert_tenant(&elsewhere).await.unwrap();
    let mut there = full_account();
    there.tenant = elsewhere.id.clone();
    there.profile.username = first.profile.username.clone();
    s.accounts.insert(&there).await.unwrap();
    // Accounts without one do not collide.
    for _ in 0..2 {
        let mut nameless = full_account();
        nameless.profile.username = None;
        s.accounts.insert(&nameless).await.unwrap();
    }
}

async fn sessions_live_until_revoked_or_expired(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let live = session_of(&account, T0 + Duration::hours(1));
    let other = session_of(&account, T0 + Duration::hours(1));
    let expired = session_of(&account, T0 - Duration::seconds(1));
    for session in [&live, &other, &expired] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    assert_eq!(
        s.sessions.create(&live, None, &[]).await,
        Err(StoreError::Duplicate(UniqueKey::Id))
    );
    // A closed account gets no session, whatever was read before the password was checked.
    let closed = Account {
        status: AccountStatus::Deactivated,
        ..full_account()
    };
    s.accounts.insert(&closed).await.unwrap();
    let late = session_of(&closed, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&late, None, &[]).await, Ok(false));
    assert_eq!(s.sessions.find_active(late.id, T0).await.unwrap(), None);
    // Nor an account whose password changed since the sign-in checked it; a session that opens
    // writes its audit entries with it.
    let signer = full_account();
    s.accounts.insert(&signer).await.unwrap();
    let checked = signer.password_hash.clone().unwrap();
    let stale = session_of(&signer, T0 + Duration::hours(1));
    let other_hash = clientele_domain::values::PasswordHash::from_stored("$2b$04$other".into());
    assert_eq!(s.sessions.create(&stale, Some(other_hash), &[]).await, Ok(false));
    let fresh = session_of(&signer, T0 + Duration::hours(1));
    let signed_in = audit_of(&signer, AuditKind::SignInSucceeded);
    assert_eq!(
        s.sessions
            .create(&fresh, Some(checked), std::slice::from_ref(&signed_in))
            .await,
        Ok(true)
    );
    let trail = s
        .audit
        .list_audit(&tenant(), Some(signer.uuid), None, 10)
        .await
        .unwrap();
    assert!(trail.contains(&signed_in), "{trail:?}");

    let (found, owner) = s.sessions.find_active(live.id, T0).await.unwrap().unwrap();
    assert_eq!((found, owner), (live.clone(), account.clone()));
    assert_eq!(s.sessions.find_active(expired.id, T0).await.unwrap(), None);
    assert_eq!(
        s.sessions
            .find_active(live.id, T0 + Duration::hours(2))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.sessions
            .find_active(SessionId(Uuid::new_v4()), T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.sessions
            .count_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        2
    );

    assert!(s.sessions.revoke(other.id, T0).await.unwrap());
    assert!(!s.sessions.revoke(other.id, T0).await.unwrap());
    assert_eq!(s.sessions.find_active(other.id, T0).await.unwrap(), None);

    let third = session_of(&account, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&third, None, &[]).await, Ok(true));
    let revoked = s
        .sessions
        .revoke_all(&tenant(), account.uuid, Some(live.id), T0)
        .await
        .unwrap();
    assert_eq!(
        revoked, 2,
        "the third and the expired one; the revoked one stays revoked"
    );
    assert_eq!(
        s.sessions
            .count_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        1
    );
    assert!(s.sessions.find_active(live.id, T0).await.unwrap().is_some());
    s.sessions
        .revoke_all(&tenant(), account.uuid, None, T0)
        .await
        .unwrap();
    assert_eq!(
        s.sessions
            .count_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        0
    );
}

async fn instance_secrets_are_set_once(s: Stores) {
    let name = format!("secret-{}", Uuid::new_v4());
    assert_eq!(
        s.secrets.get_or_insert(&name, "first").await.unwrap(),
        ("first".into(), true)
    );
    assert_eq!(
        s.secrets.get_or_insert(&name, "second").await.unwrap(),
        ("first".into(), false)
    );
    assert_eq!(s.secrets.get(&name).await.unwrap(), Some("first".into()));
    s.secrets.remove(&name).await.unwrap();
    assert_eq!(s.secrets.get(&name).await.unwrap(), None);
    s.secrets.remove(&name).await.unwrap();
    s.readiness.ping().await.unwrap();
}

/// What a flow keeps until it is confirmed comes back as it was, for each purpose that keeps one.
async fn pending_changes_come_back_as_they_were(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let held = HeldEdit {
        firstname: "Ann".into(),
        lastname: "Lee".into(),
        gender: "female".into(),
        birthdate: Some(date!(1990 - 05 - 15)),
        telephone: "+14155550123".into(),
        email: None,
        two_factor: true,
    };
    let sign_in = HeldSignIn {
        password: "digest".into(),
        country: Some("FR".into()),
    };
    for (purpose, change) in [
        (
            Purpose::EmailChange,
            PendingChange::NewAddress("New@Example.com".into()),
        ),
        (Purpose::PhoneChange, PendingChange::HeldEdit(held)),
        (Purpose::SecondFactor, PendingChange::SignIn(sign_in)),
    ] {
        let flow = Flow {
            pending_change: Some(change.clone()),
            ..flow_of(&account, purpose)
        };
        let mut commit = Commit::at(T0);
        commit.flows.push(FlowWrite::Insert(flow.clone()));
        s.commits.commit(commit).await.unwrap();
        let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
        assert_eq!(stored.pending_change, Some(change), "{purpose:?}");
    }
}

fn flow_of(account: &Account, purpose: Purpose) -> Flow {
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

fn message_to(recipient: &str, at: OffsetDateTime) -> OutboundMessage {
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
    }
}

/// A message written for `account`.
fn message_for(account: &Account, recipient: &str, at: OffsetDateTime) -> OutboundMessage {
    OutboundMessage {
        account: Some(account.uuid),
        ..message_to(recipient, at)
    }
}

async fn outbox_of(s: &Stores, recipient: &str) -> Vec<clientele_domain::message::StoredMessage> {
    let all = s.outbox.list(&tenant(), None, 1000).await.unwrap();
    all.into_iter()
        .filter(|m| m.message.recipient == recipient)
        .collect()
}

async fn commits_are_all_or_nothing(s: Stores) {
    let account = full_account();
    let tag = format!("{}@example.com", Uuid::new_v4().simple());
    let mut commit = Commit::at(T0);
    commit.accounts.push(AccountWrite::Insert(account.clone()));
    commit.messages.push(message_to(&tag, T0));
    s.commits.commit(commit).await.unwrap();
    assert_eq!(outbox_of(&s, &tag).await.len(), 1);

    // A stale update rolls back everything else in the commit.
    let mut stale = account.clone();
    stale.version = 7;
    let mut commit = Commit::at(T0);
    commit
        .flows
        .push(FlowWrite::Insert(flow_of(&account, Purpose::EmailChange)));
    commit.messages.push(message_to(&tag, T0));
    commit.accounts.push(AccountWrite::Update(stale));
    assert_eq!(s.commits.commit(commit).await, Err(StoreError::VersionMismatch));
    assert_eq!(outbox_of(&s, &tag).await.len(), 1);
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::EmailChange)
            .await
            .unwrap(),
        None
    );

    // A duplicate email too.
    let mut twin = full_account();
    twin.email = account.email.clone();
    let mut commit = Commit::at(T0);
    commit.messages.push(message_to(&tag, T0));
    commit.accounts.push(AccountWrite::Insert(twin));
    assert_eq!(
        s.commits.commit(commit).await,
        Err(StoreError::Duplicate(UniqueKey::Email))
    );
    assert_eq!(outbox_of(&s, &tag).await.len(), 1);

    // Sessions are revoked with the commit.
    let session = session_of(&account, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&session, None, &[]).await, Ok(true));
    let mut commit = Commit::at(T0);
    let mut updated = account.clone();
    updated.profile.nickname = None;
    commit.accounts.push(AccountWrite::Update(updated));
    let commit = commit.revoking(&account, None);
    s.commits.commit(commit).await.unwrap();
    assert_eq!(s.sessions.find_active(session.id, T0).await.unwrap(), None);
    // Or all but the one in hand.
    let (kept, other) = (
        session_of(&account, T0 + Duration::hours(1)),
        session_of(&account, T0 + Duration::hours(1)),
    );
    for session in [&kept, &other] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    let current = reloaded(&s, &account).await;
    s.commits
        .commit(Commit::at(T0).revoking(&current, Some(kept.id)))
        .await
        .unwrap();
    assert!(
        s.sessions.find_active(kept.id, T0).await.unwrap().is_some(),
        "the one in hand"
    );
    assert_eq!(s.sessions.find_active(other.id, T0).await.unwrap(), None);
    assert_eq!(reloaded(&s, &account).await.version, 1);
}

/// A commit replacing the session in hand: done with the rest of the commit while that session
/// is live (every other one signed out, the replacement live); with it signed out or expired
/// meanwhile, nothing of the commit is written and no session comes back.
async fn a_session_is_replaced_only_while_it_lives(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let (in_hand, other) = (
        session_of(&account, T0 + Duration::hours(1)),
        session_of(&account, T0 + Duration::hours(1)),
    );
    for session in [&in_hand, &other] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    let edit = |account: &Account| {
        let mut edited = account.clone();
        edited.profile.nickname = None;
        edited
    };
    let replacement = Session {
        id: SessionId(Uuid::new_v4()),
        ..in_hand.clone()
    };
    let replace = |account: &Account, replaced: SessionId, by: Session| {
        Commit::at(T0)
            .revoking(account, Some(replaced))
            .replacing_session(replaced, by)
            .updating(edit(account))
    };
    s.commits
        .commit(replace(&account, in_hand.id, replacement.clone()))
        .await
        .unwrap();
    for (session, live) in [(&in_hand, false), (&other, false), (&replacement, true)] {
        let found = s.sessions.find_active(session.id, T0).await.unwrap();
        assert_eq!(found.is_some(), live, "{session:?}");
    }

    // The replacement signed out meanwhile: its own replacement is refused, and the account
    // edit of the same commit with it.
    assert_eq!(s.sessions.revoke(replacement.id, T0).await, Ok(true));
    let current = reloaded(&s, &account).await;
    let again = Session {
        id: SessionId(Uuid::new_v4()),
        ..replacement.clone()
    };
    assert_eq!(
        s.commits
            .commit(replace(&current, replacement.id, again.clone()))
            .await,
        Err(StoreError::SessionEnded)
    );
    assert_eq!(s.sessions.find_active(again.id, T0).await.unwrap(), None);
    let unchanged = reloaded(&s, &account).await;
    assert_eq!(unchanged.version, current.version, "nothing of the commit");

    // An expired session is no more replaced than a revoked one.
    let expiring = session_of(&account, T0 + Duration::minutes(1));
    assert_eq!(s.sessions.create(&expiring, None, &[]).await, Ok(true));
    let later = Commit {
        now: T0 + Duration::minutes(2),
        ..replace(
            &current,
            expiring.id,
            Session {
                id: SessionId(Uuid::new_v4()),
                ..expiring.clone()
            },
        )
    };
    assert_eq!(s.commits.commit(later).await, Err(StoreError::SessionEnded));
}

async fn flows_count_tries_and_lock(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::PasswordReset);
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(commit).await.unwrap();
    assert_eq!(
        s.flows.find(&tenant(), flow.id).await.unwrap(),
        Some(flow.clone())
    );
    assert_eq!(
        s.flows
            .find(&TenantId::parse("other").unwrap(), flow.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::PasswordReset)
            .await
            .unwrap(),
        Some(flow.clone())
    );

    // Expired: not counted.
    assert_eq!(
        s.flows
            .register_attempt(&tenant(), flow.id, T0 + Duration::hours(2))
            .await
            .unwrap(),
        None
    );
    for expected in 1..=3 {
        let counted = s
            .flows
            .register_attempt(&tenant(), flow.id, T0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (counted.attempts, counted.status),
            (expected, FlowStatus::Pending)
        );
    }

    // Asking again keeps the count of tries and moves the version.
    let resent_at = T0 + Duration::minutes(2);
    let replaced = Flow {
        secret_digest: "digest-2".into(),
        expires_at: T0 + Duration::hours(3),
        sent_at: resent_at,
        ..flow.clone()
    };
    let replace = |flow: Flow| {
        let mut commit = Commit::at(T0);
        commit.flows.push(FlowWrite::Replace(flow));
        commit
    };
    s.commits.commit(replace(replaced.clone())).await.unwrap();
    let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.attempts, stored.secret_digest.as_str(), stored.version),
        (3, "digest-2", flow.version + 1)
    );
    assert_eq!(
        (stored.sent, stored.sent_at),
        (flow.sent + 1, resent_at),
        "a re-issue counts a send"
    );
    assert_eq!(
        s.commits.commit(replace(replaced)).await,
        Err(StoreError::FlowChanged),
        "a re-issue decided on the flow as it was before"
    );
    let mut stale = Commit::at(T0);
    stale.flows.push(flow.consume());
    assert_eq!(
        s.commits.commit(stale).await,
        Err(StoreError::FlowChanged),
        "a secret checked before the re-issue confirms nothing"
    );

    // Twenty concurrent tries: exactly the two left are counted, and the last locks the flow.
    let tries = join_all((0..20).map(|_| {
        let flows = s.flows.clone();
        async move { flows.register_attempt(&tenant(), flow.id, T0).await.unwrap() }
    }))
    .await;
    let mut counted: Vec<i32> = tries.iter().flatten().map(|f| f.attempts).collect();
    counted.sort();
    assert_eq!(counted, [4, 5]);
    let locked = s
        .flows
        .find_open(&tenant(), account.uuid, Purpose::PasswordReset)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(locked.status, FlowStatus::Locked, "locked by the last try itself");
    assert!(s
        .flows
        .register_attempt(&tenant(), flow.id, T0)
        .await
        .unwrap()
        .is_none());
    let mut reissue = Commit::at(T0);
    reissue.flows.push(FlowWrite::Replace(locked.clone()));
    assert_eq!(s.commits.commit(reissue).await, Err(StoreError::FlowChanged));

    // The last try, when it was right, still confirms: once.
    let mut confirm = Commit::at(T0);
    confirm.flows.push(locked.consume());
    s.commits.commit(confirm.clone()).await.unwrap();
    assert_eq!(s.commits.commit(confirm).await, Err(StoreError::FlowChanged));
    let done = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
    assert_eq!(done.status, FlowStatus::Confirmed);
}

async fn a_secret_works_once_under_a_twenty_way_race(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::Activation);
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(commit).await.unwrap();
    let results = join_all((0..20).map(|_| {
        let commits = s.commits.clone();
        let consume = flow.consume();
        let tag = format!("{}@example.com", Uuid::new_v4().simple());
        async move {
            let mut commit = Commit::at(T0);
            commit.flows.push(consume);
            commit.messages.push(message_to(&tag, T0));
            commits.commit(commit).await
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || r == &Err(StoreError::FlowChanged)));
    let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
    assert_eq!(stored.status, FlowStatus::Confirmed);
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::Activation)
            .await
            .unwrap(),
        None
    );
}

async fn one_open_flow_per_account_and_purpose(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let first = flow_of(&account, Purpose::EmailChange);
    let second = flow_of(&account, Purpose::EmailChange);
    let insert = |flow: &Flow| {
        let mut commit = Commit::at(T0);
        commit.flows.push(FlowWrite::Insert(flow.clone()));
        commit
    };
    s.commits.commit(insert(&first)).await.unwrap();
    assert_eq!(
        s.commits.commit(insert(&second)).await,
        Err(StoreError::Duplicate(UniqueKey::OpenFlow))
    );
    s.commits
        .commit(insert(&flow_of(&account, Purpose::PasswordReset)))
        .await
        .unwrap();
    let mut replace = Commit::at(T0);
    replace.flows.push(FlowWrite::Cancel {
        tenant: tenant(),
        id: first.id,
    });
    replace.flows.push(FlowWrite::Insert(second.clone()));
    s.commits.commit(replace).await.unwrap();
    assert_eq!(
        s.flows.find(&tenant(), first.id).await.unwrap().unwrap().status,
        FlowStatus::Cancelled
    );
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::EmailChange)
            .await
            .unwrap()
            .unwrap()
            .id,
        second.id
    );
}

async fn outbox_claims_once_and_records_outcomes(s: Stores) {
    let recipient = format!("{}@example.com", Uuid::new_v4().simple());
    // Due in the future relative to everything other cases wrote, so only these are claimed.
    let at = T0 + Duration::days(3650);
    let mut commit = Commit::at(at);
    for i in 0..3 {
        commit
            .messages
            .push(message_to(&recipient, at + Duration::seconds(i)));
    }
    s.commits.commit(commit).await.unwrap();
    let now = at + Duration::minutes(1);
    let lease = Duration::minutes(2);
    let (claim, other) = (ClaimId(Uuid::new_v4()), ClaimId(Uuid::new_v4()));
    let (a, b) = tokio::join!(
        s.outbox.claim_due(now, lease, 10, claim),
        s.outbox.claim_due(now, lease, 10, other)
    );
    let a = a.unwrap();
    let a_ids: Vec<MessageId> = a.iter().map(|m| m.message.id).collect();
    let both: Vec<_> = a.into_iter().chain(b.unwrap()).collect();
    let mut ids: Vec<MessageId> = both.iter().map(|m| m.message.id).collect();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    assert_eq!(ids.len(), both.len(), "no message claimed twice");
    assert_eq!(
        both.iter().filter(|m| m.message.recipient == recipient).count(),
        3,
        "every message claimed"
    );
    assert!(
        s.outbox
            .claim_due(now, lease, 10, ClaimId(Uuid::new_v4()))
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    let claim_of = |id: MessageId| {
        if a_ids.contains(&id) {
            claim
        } else {
            other
        }
    };

    let mine = outbox_of(&s, &recipient).await;
    assert_eq!(
        mine[0].message.created_at,
        at + Duration::seconds(2),
        "newest first"
    );
    let (sent, retried, abandoned) = (mine[0].message.id, mine[1].message.id, mine[2].message.id);
    let stranger = ClaimId(Uuid::new_v4());
    assert!(
        !s.outbox.mark_sent(sent, stranger, now).await.unwrap(),
        "only the claimant records an outcome"
    );
    assert!(s.outbox.mark_sent(sent, claim_of(sent), now).await.unwrap());
    assert!(
        !s.outbox
            .mark_failed(sent, claim_of(sent), None, "late")
            .await
            .unwrap(),
        "a sent message stays sent"
    );
    assert!(s
        .outbox
        .mark_failed(
            retried,
            claim_of(retried),
            Some(now + Duration::seconds(5)),
            "server down"
        )
        .await
        .unwrap());
    assert!(s
        .outbox
        .mark_failed(abandoned, claim_of(abandoned), None, &"x".repeat(2000))
        .await
        .unwrap());
    let after = outbox_of(&s, &recipient).await;
    let by_id = |id: MessageId| after.iter().find(|m| m.message.id == id).unwrap().clone();
    let sent = by_id(sent);
    assert_eq!(
        (sent.status, sent.sent_at, sent.message.sealed_body.as_str()),
        (DeliveryStatus::Sent, Some(now), "")
    );
    assert_eq!(sent.message.masked_text, "Code: ••••");
    let retried = by_id(retried);
    assert_eq!((retried.status, retried.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!(retried.last_error.as_deref(), Some("server down"));
    assert_eq!(retried.next_attempt_at, now + Duration::seconds(5));
    let abandoned = by_id(abandoned);
    assert_eq!(
        (
            abandoned.status,
            abandoned.message.sealed_body.as_str(),
            abandoned.attempts
        ),
        (DeliveryStatus::Abandoned, "", 1)
    );
    assert_eq!(abandoned.last_error.unwrap().len(), 500);
    let again = ClaimId(Uuid::new_v4());
    let claimed_again = s
        .outbox
        .claim_due(now + Duration::seconds(5), lease, 10, again)
        .await
        .unwrap();
    assert_eq!(
        claimed_again.iter().map(|m| m.message.id).collect::<Vec<_>>(),
        [retried.message.id]
    );
    // The lease lapses (a worker stalled); another claims the message and sends it. The stalled
    // worker's late outcome must not overwrite that.
    let lapsed = now + Duration::seconds(5) + lease + Duration::seconds(1);
    let next = ClaimId(Uuid::new_v4());
    let reclaimed = s.outbox.claim_due(lapsed, lease, 100, next).await.unwrap();
    assert_eq!(
        reclaimed
            .iter()
            .filter(|m| m.message.recipient == recipient)
            .map(|m| m.message.id)
            .collect::<Vec<_>>(),
        [retried.message.id]
    );
    assert!(
        !s.outbox
            .mark_failed(retried.message.id, again, None, "stalled worker wakes up")
            .await
            .unwrap(),
        "the lapsed claim records nothing on the message now pending under the next claim"
    );
    assert!(s
        .outbox
        .mark_sent(retried.message.id, next, lapsed)
        .await
        .unwrap());
    let settled = outbox_of(&s, &recipient).await;
    let settled = settled
        .iter()
        .find(|m| m.message.id == retried.message.id)
        .unwrap();
    assert_eq!((settled.status, settled.attempts), (DeliveryStatus::Sent, 2));
    assert_eq!(settled.last_error.as_deref(), Some("server down"));
    let only_sent = s
        .outbox
        .list(&tenant(), Some(DeliveryStatus::Sent), 1000)
        .await
        .unwrap();
    assert!(only_sent.iter().all(|m| m.status == DeliveryStatus::Sent));
    assert!(only_sent.iter().any(|m| m.message.id == sent.message.id));
}

async fn a_decision_relying_on_an_account_needs_it_unchanged(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::PasswordReset);
    let relying = |flow: &Flow, on: &Account| {
        let mut commit = Commit::at(T0).relying_on(on);
        commit.flows.push(FlowWrite::Insert(flow.clone()));
        commit
    };
    // The account is closed (its version moves) between reading it and committing.
    let closed = s
        .accounts
        .update(&Account {
            status: AccountStatus::Deactivated,
            ..account.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        s.commits.commit(relying(&flow, &account)).await,
        Err(StoreError::VersionMismatch)
    );
    assert_eq!(
        s.flows.find(&tenant(), flow.id).await.unwrap(),
        None,
        "nothing written"
    );
    s.commits.commit(relying(&flow, &closed)).await.unwrap();
    let unchanged = reloaded(&s, &account).await;
    assert_eq!(
        unchanged.version, closed.version,
        "relying on it does not move the version"
    );
}

async fn closing_cancels_every_open_flow(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let (reset, change, completed) = (
        flow_of(&account, Purpose::PasswordReset),
        flow_of(&account, Purpose::EmailChange),
        flow_of(&account, Purpose::Deactivation),
    );
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(reset.clone()));
    commit.flows.push(FlowWrite::Insert(change.clone()));
    commit.flows.push(FlowWrite::Insert(completed.clone()));
    s.commits.commit(commit).await.unwrap();
    let other = full_account();
    s.accounts.insert(&other).await.unwrap();
    let others = flow_of(&other, Purpose::PasswordReset);
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(others.clone()));
    s.commits.commit(commit).await.unwrap();

    // The flow the closing completes is consumed, in either order, and not ended.
    let mut close = Commit::at(T0);
    close.flows.push(FlowWrite::CancelAllOpen {
        tenant: tenant(),
        account: account.uuid,
        except: vec![completed.id],
    });
    close.flows.push(completed.consume());
    s.commits.commit(close).await.unwrap();
    let confirmed = s.flows.find(&tenant(), completed.id).await.unwrap().unwrap();
    assert_eq!(confirmed.status, FlowStatus::Confirmed);
    for flow in [&reset, &change] {
        let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
        assert_eq!(stored.status, FlowStatus::Cancelled);
        let mut stale = Commit::at(T0);
        stale.flows.push(flow.consume());
        assert_eq!(s.commits.commit(stale).await, Err(StoreError::FlowChanged));
    }
    let untouched = s.flows.find(&tenant(), others.id).await.unwrap().unwrap();
    assert_eq!(
        untouched.status,
        FlowStatus::Pending,
        "another account's flow stays open"
    );

    // Erasure deletes the account's flows and sessions (they hold its address and where it
    // signed in from), and nobody else's.
    let session = Session {
        country: Some("FR".into()),
        ..session_of(&account, T0 + Duration::hours(1))
    };
    let others_session = session_of(&other, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&session, None, &[]).await, Ok(true));
    assert_eq!(s.sessions.create(&others_session, None, &[]).await, Ok(true));
    // The account's messages (to its address and to where its flows went), one written before
    // messages named their account (to its address), one to someone else, and one for another
    // customer at an address the account's flow once went to (it may hold it now).
    let address = account.email.as_ref().unwrap().as_str().to_owned();
    let unique = |tag: &str| format!("{tag}-{}@example.com", Uuid::new_v4().simple());
    let flow_target = unique("target");
    let mut target_flow = flow_of(&account, Purpose::PhoneChange);
    target_flow.target = flow_target.clone();
    let bystander = unique("bystander");
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(target_flow));
    commit.messages.extend([
        message_for(&account, &address, T0),
        message_for(&account, &flow_target, T0),
        message_to(&address, T0),
        message_to(&bystander, T0),
        message_for(&other, &flow_target, T0),
    ]);
    commit.audit.extend([
        audit_of(&account, AuditKind::SignInSucceeded),
        audit_of(&other, AuditKind::SignInSucceeded),
    ]);
    s.commits.commit(commit).await.unwrap();
    let current = reloaded(&s, &account).await;
    let erased = Account {
        status: AccountStatus::Erased,
        ..current
    };
    s.commits
        .commit(Commit::at(T0).erasing(erased, Some(address.clone())))
        .await
        .unwrap();
    assert!(
        outbox_of(&s, &address).await.is_empty(),
        "no message to {address} left"
    );
    let now_anothers = outbox_of(&s, &flow_target).await;
    assert_eq!(
        now_anothers.iter().map(|m| m.message.account).collect::<Vec<_>>(),
        [Some(other.uuid)],
        "only the other customer's message to an address the account once used is left"
    );
    assert_eq!(now_anothers[0].status, DeliveryStatus::Pending);
    let erased = outbox_of(&s, "(erased)").await;
    assert!(erased.len() >= 3, "blanked, not deleted");
    for message in &erased {
        assert_eq!(message.message.masked_text, "");
        assert_eq!(
            message.status,
            DeliveryStatus::Abandoned,
            "pending ones are given up"
        );
    }
    let kept = outbox_of(&s, &bystander).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].status,
        DeliveryStatus::Pending,
        "someone else's message goes on"
    );
    for flow in [&reset, &change] {
        assert_eq!(
            s.flows.find(&tenant(), flow.id).await.unwrap(),
            None,
            "flow erased"
        );
    }
    assert_eq!(
        s.sessions
            .latest_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.sessions.find_active(session.id, T0).await.unwrap(), None);
    assert!(s.flows.find(&tenant(), others.id).await.unwrap().is_some());
    let addresses = |of: AccountUuid| {
        let audit = s.audit.clone();
        async move {
            let entries = audit.list_audit(&tenant(), Some(of), None, 100).await.unwrap();
            assert!(!entries.is_empty());
            entries.into_iter().map(|e| e.client_address).collect::<Vec<_>>()
        }
    };
    assert!(
        addresses(account.uuid).await.iter().all(Option::is_none),
        "the customer's addresses leave the audit trail with the account"
    );
    assert_eq!(addresses(other.uuid).await, [Some("192.0.2.1".to_owned())]);
    // A sign-in failure racing the erasure, counted after it: no entry, so no address.
    let late = audit_of(&account, AuditKind::SignInFailed);
    s.accounts
        .record_sign_in_failure(&tenant(), account.uuid, &late)
        .await
        .unwrap();
    let until = T0 + Duration::hours(1);
    s.accounts
        .lock_sign_in(
            &tenant(),
            account.uuid,
            until,
            &audit_of(&account, AuditKind::SignInLocked),
        )
        .await
        .unwrap();
    assert!(
        addresses(account.uuid).await.iter().all(Option::is_none),
        "nothing recorded for an erased account"
    );
    assert!(s
        .sessions
        .find_active(others_session.id, T0)
        .await
        .unwrap()
        .is_some());
}

fn new_tenant() -> Tenant {
    Tenant {
        id: TenantId::parse(&format!("t-{}", &Uuid::new_v4().simple().to_string()[..12])).unwrap(),
        name: "Acme".into(),
        settings: TenantSettings::default(),
        created_at: T0,
    }
}

async fn tenants_keep_their_settings_and_their_own_customers(s: Stores) {
    let listed = s.tenants.list_tenants().await.unwrap();
    assert!(
        listed.iter().any(|t| t.id == TenantId::default_tenant()),
        "default exists from the start"
    );
    // The default tenant, as the migration wrote it (settings `{}`), can be changed too.
    let default = s
        .tenants
        .get_tenant(&TenantId::default_tenant())
        .await
        .unwrap()
        .unwrap();
    let renamed = Tenant {
        name: "Renamed default".into(),
        ..default.clone()
    };
    assert!(s.tenants.update_tenant(&default, &renamed).await.unwrap());
    assert!(s.tenants.update_tenant(&renamed, &default).await.unwrap());
    let mut acme = new_tenant();
    s.tenants.insert_tenant(&acme).await.unwrap();
    assert_eq!(
        s.tenants.insert_tenant(&acme).await,
        Err(StoreError::Duplicate(UniqueKey::Id))
    );
    assert_eq!(s.tenants.get_tenant(&acme.id).await.unwrap(), Some(acme.clone()));
    let before = acme.clone();
    acme.name = "Acme Ltd".into();
    acme.settings = TenantSettings {
        web_app_url: Some("https://app.acme.example".into()),
        allowed_redirect_origins: vec!["https://shop.acme.example".into()],
        phone_region: Some("IN".into()),
        closing: ClosingPolicy {
            delete_personal_data: true,
            deletion_requires_approval: true,
        },
    };
    assert!(s.tenants.update_tenant(&before, &acme).await.unwrap());
    assert_eq!(s.tenants.get_tenant(&acme.id).await.unwrap(), Some(acme.clone()));
    let mut late = before.clone();
    late.name = "Written on what was read before".into();
    assert!(
        !s.tenants.update_tenant(&before, &late).await.unwrap(),
        "a change made on a stale read is refused"
    );
    assert_eq!(s.tenants.get_tenant(&acme.id).await.unwrap(), Some(acme.clone()));
    assert!(s.tenants.list_tenants().await.unwrap().contains(&acme));
    let nobody = TenantId::parse("nobody-here").unwrap();
    assert_eq!(s.tenants.get_tenant(&nobody).await.unwrap(), None);
    let missing = Tenant {
        id: nobody,
        ..acme.clone()
    };
    assert!(!s.tenants.update_tenant(&missing, &missing).await.unwrap());

    // The same address in two tenants: two unrelated accounts.
    let here = full_account();
    s.accounts.insert(&here).await.unwrap();
    let there = Account {
        uuid: AccountUuid(Uuid::new_v4()),
        tenant: acme.id.clone(),
        ..here.clone()
    };
    s.accounts.insert(&there).await.unwrap();
    let email = here.email.as_ref().unwrap().normalized().to_owned();
    let found = s.accounts.find_by_email(&acme.id, &email).await.unwrap().unwrap();
    assert_eq!(found.uuid, there.uuid);
    let found = s
        .accounts
        .find_by_email(&tenant(), &email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.uuid, here.uuid);
}

fn key_of(tenant: &TenantId, prefix: &str) -> ApiKey {
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

async fn api_keys_are_found_by_prefix_and_revoked_once(s: Stores) {
    let (a, b) = (new_tenant(), new_tenant());
    s.tenants.insert_tenant(&a).await.unwrap();
    s.tenants.insert_tenant(&b).await.unwrap();
    let prefix = format!("clk_{}", &Uuid::new_v4().simple().to_string()[..12]);
    let key = key_of(&a.id, &prefix);
    s.api_keys.insert_key(&key).await.unwrap();
    assert_eq!(
        s.api_keys.insert_key(&key_of(&b.id, &prefix)).await,
        Err(StoreError::Duplicate(UniqueKey::Id)),
        "prefixes are unique across tenants"
    );
    let later = ApiKey {
        created_at: T0 + Duration::seconds(1),
        ..key_of(&a.id, &format!("{prefix}x"))
    };
    s.api_keys.insert_key(&later).await.unwrap();
    assert_eq!(
        s.api_keys.list_keys(&a.id).await.unwrap(),
        vec![key.clone(), later.clone()]
    );
    assert_eq!(s.api_keys.list_keys(&b.id).await.unwrap(), vec![]);
    assert_eq!(
        s.api_keys.find_key_by_prefix(&prefix).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(s.api_keys.find_key_by_prefix("clk_unknown").await.unwrap(), None);

    let t1 = T0 + Duration::minutes(5);
    s.api_keys.touch_key(key.id, t1).await.unwrap();
    s.api_keys.touch_key(key.id, T0).await.unwrap();
    let touched = s.api_keys.find_key_by_prefix(&prefix).await.unwrap().unwrap();
    assert_eq!(
        touched.last_used_at,
        Some(t1),
        "a use only moves the time forward"
    );

    assert!(
        !s.api_keys.revoke_key(&b.id, key.id, t1).await.unwrap(),
        "another tenant's key"
    );
    assert!(s.api_keys.revoke_key(&a.id, key.id, t1).await.unwrap());
    assert!(s
        .api_keys
        .revoke_key(&a.id, key.id, t1 + Duration::hours(1))
        .await
        .unwrap());
    let revoked = s.api_keys.find_key_by_prefix(&prefix).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(t1), "revoked once, at the first time");
    assert!(!s
        .api_keys
        .revoke_key(&a.id, ApiKeyId(Uuid::new_v4()), t1)
        .await
        .unwrap());
}

async fn deletion_requests_are_decided_once(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let request = |at: OffsetDateTime| DeletionRequest {
        id: DeletionRequestId(Uuid::new_v4()),
        tenant: tenant(),
        account: account.uuid,
        status: DeletionStatus::Pending,
        created_at: at,
        decided_at: None,
        reason: None,
    };
    let (older, newer) = (request(T0 - Duration::days(3)), request(T0));
    let mut commit = Commit::at(T0);
    commit.deletion_requests.extend([newer.clone(), older.clone()]);
    s.commits.commit(commit).await.unwrap();
    let pending = s
        .deletions
        .list_requests(&tenant(), Some(DeletionStatus::Pending), 1000)
        .await
        .unwrap();
    let mine: Vec<_> = pending
        .into_iter()
        .filter(|r| r.account == account.uuid)
        .collect();
    assert_eq!(mine, vec![older.clone(), newer.clone()], "oldest first");
    assert!(s.deletions.has_pending(&tenant(), account.uuid).await.unwrap());
    let other = TenantId::parse("other").unwrap();
    assert_eq!(s.deletions.find_request(&other, older.id).await.unwrap(), None);

    let approved = DeletionRequest {
        status: DeletionStatus::Approved,
        decided_at: Some(T0 + Duration::minutes(1)),
        ..older.clone()
    };
    let decide = |decided: DeletionRequest| {
        let mut commit = Commit::at(T0);
        commit.deletion_decisions.push(decided);
        commit
    };
    s.commits.commit(decide(approved.clone())).await.unwrap();
    assert_eq!(
        s.deletions.find_request(&tenant(), older.id).await.unwrap(),
        Some(approved.clone())
    );
    let rejected = DeletionRequest {
        status: DeletionStatus::Rejected,
        reason: Some("legal hold".into()),
        ..approved
    };
    assert_eq!(
        s.commits.commit(decide(rejected)).await,
        Err(StoreError::AlreadyDecided),
        "decided once"
    );
    let elsewhere = DeletionRequest {
        tenant: other,
        status: DeletionStatus::Approved,
        ..newer.clone()
    };
    assert_eq!(
        s.commits.commit(decide(elsewhere)).await,
        Err(StoreError::AlreadyDecided),
        "not through another tenant"
    );
    assert!(
        s.deletions.has_pending(&tenant(), account.uuid).await.unwrap(),
        "the newer one"
    );
}

async fn the_audit_trail_is_kept_per_tenant_newest_first(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let entry = |kind: AuditKind, at: OffsetDateTime| AuditEntry {
        id: Uuid::new_v4(),
        tenant: tenant(),
        account: account.uuid,
        kind,
        actor: Actor::Customer,
        request_id: Some("request-7".into()),
        client_address: Some("2001:db8::7".into()),
        at,
        detail: Some("erase_now".into()),
    };
    let signed_in = entry(AuditKind::SignInSucceeded, T0);
    s.audit.append(&signed_in).await.unwrap();
    let mut commit = Commit::at(T0);
    let closed = entry(AuditKind::Deactivated, T0 + Duration::seconds(1));
    let erased = entry(AuditKind::Erased, T0 + Duration::seconds(2));
    commit.audit.extend([closed.clone(), erased.clone()]);
    s.commits.commit(commit).await.unwrap();
    // A commit that fails writes no entry.
    let mut failing = Commit::at(T0);
    failing
        .audit
        .push(entry(AuditKind::Reactivated, T0 + Duration::seconds(3)));
    failing.accounts.push(AccountWrite::Insert(account.clone()));
    assert!(s.commits.commit(failing).await.is_err());

    let all = s
        .audit
        .list_audit(&tenant(), Some(account.uuid), None, 100)
        .await
        .unwrap();
    assert_eq!(
        all,
        vec![erased.clone(), closed.clone(), signed_in.clone()],
        "newest first"
    );
    let closings = s
        .audit
        .list_audit(&tenant(), Some(account.uuid), Some(AuditKind::Deactivated), 100)
        .await
        .unwrap();
    assert_eq!(closings, vec![closed]);
    let other = TenantId::parse("other").unwrap();
    assert!(s
        .audit
        .list_audit(&other, Some(account.uuid), None, 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.audit
            .list_audit(&tenant(), Some(account.uuid), None, 1)
            .await
            .unwrap(),
        vec![erased]
    );
}

async fn a_last_notice_forgets_its_recipient_once_delivered(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let address = account.email.as_ref().unwrap().as_str().to_owned();
    // Later than anything other cases wrote.
    let at = T0 + Duration::days(7300);
    let mut notice = message_to(&address, at);
    notice.forget_recipient = true;
    let mut commit = Commit::at(at);
    commit.messages.push(notice.clone());
    s.commits
        .commit(commit.erasing(account.clone(), Some(address.clone())))
        .await
        .unwrap();
    let waiting = outbox_of(&s, &address).await;
    assert_eq!(waiting.len(), 1, "the erasure that sends it does not blank it");
    assert_eq!(waiting[0].status, DeliveryStatus::Pending);

    let (now, claim) = (at + Duration::minutes(1), ClaimId(Uuid::new_v4()));
    let claimed = s
        .outbox
        .claim_due(now, Duration::minutes(2), 1000, claim)
        .await
        .unwrap();
    assert!(claimed.iter().any(|m| m.message.id == notice.id));
    assert!(s.outbox.mark_sent(notice.id, claim, now).await.unwrap());
    assert!(
        outbox_of(&s, &address).await.is_empty(),
        "delivered: the address is gone"
    );
    let blanked: Vec<_> = outbox_of(&s, "(erased)")
        .await
        .into_iter()
        .filter(|m| m.message.id == notice.id)
        .collect();
    assert_eq!(blanked.len(), 1);
    assert_eq!(blanked[0].status, DeliveryStatus::Sent);
    assert_eq!(blanked[0].message.masked_text, "");
}

/// A commit limiting its sends is written only while each recipient (whatever the case of its
/// letters) has room in the window for the class, counting what earlier limited commits of the
/// class sent it, and exactly so under a race.
async fn sends_are_limited_per_recipient_even_under_a_race(s: Stores) {
    let limit = Some(SendLimit {
        max: 3,
        window: Duration::hours(1),
    });
    let (flooded, other) = (
        format!("flooded-{}@example.com", Uuid::new_v4().simple()),
        format!("other-{}@example.com", Uuid::new_v4().simple()),
    );
    let pending_email = || async {
        let summary = s.outbox.pending_by_channel().await.unwrap();
        let email = summary.into_iter().find(|p| p.channel == Channel::Email);
        email.map_or((0, None), |p| (p.count, p.oldest))
    };
    let (pending_before, _) = pending_email().await;
    let sending = |to: &str, at: OffsetDateTime, limit: Option<SendLimit>, class: SendClass| {
        let mut commit = Commit::at(at);
        commit.messages.push(message_to(to, at));
        commit.limiting_sends(limit, class)
    };
    let secret = |to: &str, at: OffsetDateTime| sending(to, at, limit, SendClass::Secret);
    // Outside the window: not counted.
    s.commits
        .commit(secret(&flooded, T0 - Duration::minutes(61)))
        .await
        .unwrap();
    // Unlimited commits (a change notice) use up no budget.
    s.commits
        .commit(sending(&flooded, T0, None, SendClass::Secret))
        .await
        .unwrap();
    s.commits.commit(secret(&flooded, T0)).await.unwrap();
    let racing = (0..20).map(|_| {
        let (commits, commit) = (s.commits.clone(), secret(&flooded, T0));
        async move { commits.commit(commit).await }
    });
    let results = join_all(racing).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || r == &Err(StoreError::SendLimited)));
    assert_eq!(
        outbox_of(&s, &flooded).await.len(),
        5,
        "nothing of a refused commit is written"
    );
    let shouted = flooded.to_uppercase();
    assert_eq!(
        s.commits.commit(secret(&shouted, T0)).await,
        Err(StoreError::SendLimited),
        "the same mailbox, whatever the case"
    );
    assert_eq!(
        s.commits
            .commit(sending(&shouted, T0, limit, SendClass::SignUpNotice))
            .await,
        Ok(()),
        "another class has a budget of its own"
    );
    // Letters beyond ASCII are folded too (SQLite's lower() would not).
    let umlaut = format!("Jürgen-{}@Example.com", Uuid::new_v4().simple());
    for _ in 0..3 {
        s.commits.commit(secret(&umlaut, T0)).await.unwrap();
    }
    assert_eq!(
        s.commits.commit(secret(&umlaut.to_uppercase(), T0)).await,
        Err(StoreError::SendLimited),
        "JÜRGEN is Jürgen's mailbox"
    );
    let (pending_after, oldest) = pending_email().await;
    assert_eq!(pending_after - pending_before, 9, "the backlog counts them");
    assert!(oldest.is_some_and(|oldest| oldest <= T0 - Duration::minutes(61)));
    // A commit with two messages to one recipient counts both.
    let mut two = Commit::at(T0).limiting_sends(limit, SendClass::Secret);
    two.messages
        .extend([message_to(&other, T0), message_to(&other, T0)]);
    s.commits.commit(two).await.unwrap();
    assert_eq!(
        s.commits.commit(secret(&other, T0)).await,
        Ok(()),
        "another recipient has its own room"
    );
    assert_eq!(
        s.commits.commit(secret(&other, T0)).await,
        Err(StoreError::SendLimited)
    );
    assert_eq!(
        s.commits
            .commit(secret(&flooded, T0 + Duration::minutes(61)))
            .await,
        Ok(()),
        "room again once the window has passed"
    );
}

type Case = fn(Stores) -> BoxFuture<'static, ()>;

const CASES: &[(&str, Case)] = &[
    ("pending_changes_come_back_as_they_were", |s| {
        Box::pin(pending_changes_come_back_as_they_were(s))
    }),
    ("every_transition_ends_every_other_open_flow", |s| {
        Box::pin(lifecycle::every_transition_ends_every_other_open_flow(s))
    }),
    ("a_commit_made_from_an_ended_session_writes_nothing", |s| {
        Box::pin(lifecycle::a_commit_made_from_an_ended_session_writes_nothing(s))
    }),
    ("one_uuid_in_two_tenants_stays_two_accounts", |s| {
        Box::pin(lifecycle::one_uuid_in_two_tenants_stays_two_accounts(s))
    }),
    ("the_wallet_spends_first_to_expire_first_and_orders_add_up", |s| {
        Box::pin(the_wallet_spends_first_to_expire_first_and_orders_add_up(s))
    }),
    ("the_audit_trail_is_kept_per_tenant_newest_first", |s| {
        Box::pin(the_audit_trail_is_kept_per_tenant_newest_first(s))
    }),
    ("deletion_requests_are_decided_once", |s| {
        Box::pin(deletion_requests_are_decided_once(s))
    }),
    ("the_latest_live_session_tells_when_and_where", |s| {
        Box::pin(the_latest_live_session_tells_when_and_where(s))
    }),
    ("usernames_are_unique_per_tenant", |s| {
        Box::pin(usernames_are_unique_per_tenant(s))
    }),
    ("tenants_keep_their_settings_and_their_own_customers", |s| {
        Box::pin(tenants_keep_their_settings_and_their_own_customers(s))
    }),
    ("api_keys_are_found_by_prefix_and_revoked_once", |s| {
        Box::pin(api_keys_are_found_by_prefix_and_revoked_once(s))
    }),
    ("round_trip_keeps_every_field", |s| {
        Box::pin(round_trip_keeps_every_field(s))
    }),
    ("lookups_stay_inside_the_tenant", |s| {
        Box::pin(lookups_stay_inside_the_tenant(s))
    }),
    ("uniqueness_is_enforced_per_rule", |s| {
        Box::pin(uniqueness_is_enforced_per_rule(s))
    }),
    ("update_checks_the_version", |s| {
        Box::pin(update_checks_the_version(s))
    }),
    ("twenty_racing_writers_one_winner", |s| {
        Box::pin(twenty_racing_writers_one_winner(s))
    }),
    ("update_cannot_take_a_used_email", |s| {
        Box::pin(update_cannot_take_a_used_email(s))
    }),
    ("sign_in_failures_count_atomically", |s| {
        Box::pin(sign_in_failures_count_atomically(s))
    }),
    ("sessions_live_until_revoked_or_expired", |s| {
        Box::pin(sessions_live_until_revoked_or_expired(s))
    }),
    ("instance_secrets_are_set_once", |s| {
        Box::pin(instance_secrets_are_set_once(s))
    }),
    ("commits_are_all_or_nothing", |s| {
        Box::pin(commits_are_all_or_nothing(s))
    }),
    ("a_session_is_replaced_only_while_it_lives", |s| {
        Box::pin(a_session_is_replaced_only_while_it_lives(s))
    }),
    ("flows_count_tries_and_lock", |s| {
        Box::pin(flows_count_tries_and_lock(s))
    }),
    ("a_secret_works_once_under_a_twenty_way_race", |s| {
        Box::pin(a_secret_works_once_under_a_twenty_way_race(s))
    }),
    ("one_open_flow_per_account_and_purpose", |s| {
        Box::pin(one_open_flow_per_account_and_purpose(s))
    }),
    ("a_decision_relying_on_an_account_needs_it_unchanged", |s| {
        Box::pin(a_decision_relying_on_an_account_needs_it_unchanged(s))
    }),
    ("closing_cancels_every_open_flow", |s| {
        Box::pin(closing_cancels_every_open_flow(s))
    }),
    ("outbox_claims_once_and_records_outcomes", |s| {
        Box::pin(outbox_claims_once_and_records_outcomes(s))
    }),
    ("a_last_notice_forgets_its_recipient_once_delivered", |s| {
        Box::pin(a_last_notice_forgets_its_recipient_once_delivered(s))
    }),
    // Last: its pending messages would compete with the claims of the outbox cases.
    ("sends_are_limited_per_recipient_even_under_a_race", |s| {
        Box::pin(sends_are_limited_per_recipient_even_under_a_race(s))
    }),
];

fn wallet_entry(
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

async fn the_wallet_spends_first_to_expire_first_and_orders_add_up(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let other = full_account();
    s.accounts.insert(&other).await.unwrap();
    let today = T0.date();
    let post = |e: WalletEntry| {
        let loyalty = s.loyalty.clone();
        async move { loyalty.post_wallet_entry(&e, today).await.unwrap() }
    };
    let cashback = |reference: &str, amount: i64, expires_in: Option<i64>| {
        wallet_entry(&account, WalletKind::Cashback, reference, amount, expires_in)
    };
    for entry in [
        cashback("late", 100_00, Some(10)),
        cashback("early", 50_00, Some(5)),
        cashback("forever", 30_00, None),
        cashback("gone", 20_00, Some(-1)),
        wallet_entry(&account, WalletKind::TssPoints, "points", 1250_00, Some(30)),
        wallet_entry(&other, WalletKind::Cashback, "late", 999_00, Some(1)),
    ] {
        assert!(matches!(post(entry).await, WalletPosted::Created(_)));
    }
    let summary = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today)
        .await
        .unwrap();
    assert_eq!(
        summary.cashback,
        Balance {
            spendable: Amount(180_00),
            next_to_expire: Some((Amount(50_00), today + Duration::days(5))),
        },
        "the expired lot and the other account's do not count"
    );
    assert_eq!(summary.tss_points.spendable, Amount(1250_00));
    assert_eq!(summary.tss_money, Balance::default());

    // A debit spends the lot that expires first, then the next.
    let debit = cashback("order-1", -60_00, None);
    assert!(matches!(post(debit.clone()).await, WalletPosted::Created(_)));
    let summary = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today)
        .await
        .unwrap();
    assert_eq!(
        summary.cashback,
        Balance {
            spendable: Amount(120_00),
            next_to_expire: Some((Amount(90_00), today + Duration::days(10))),
        }
    );
    // Posted again: nothing changes; the same reference with other content is refused.
    assert_eq!(post(debit.clone()).await, WalletPosted::Replayed(debit.clone()));
    assert!(matches!(
        post(cashback("order-1", -1_00, None)).await,
        WalletPosted::ReferenceTaken(_)
    ));
    assert_eq!(
        post(cashback("too-much", -500_00, None)).await,
        WalletPosted::Insufficient {
            spendable: Amount(120_00)
        }
    );
    // Twenty debits of 10.00 at once against 120.00: twelve go through, none spends twice.
    let outcomes = join_all((0..20).map(|i| post(cashback(&format!("race-{i}"), -10_00, None)))).await;
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, WalletPosted::Created(_)))
        .count();
    assert_eq!(created, 12, "{outcomes:?}");
    let summary = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today)
        .await
        .unwrap();
    assert_eq!(
        (summary.cashback.spendable, summary.cashback.next_to_expire),
        (Amount(0), None)
    );
    // The next day the lot that expired the day before is gone from the balance too.
    let later = s
        .loyalty
        .wallet_summary(&tenant(), account.uuid, today + Duration::days(31))
        .await
        .unwrap();
    assert_eq!(later.tss_points, Balance::default(), "expired after its last day");
    let entries = s
        .loyalty
        .wallet_entries(&tenant(), account.uuid, 100)
        .await
        .unwrap();
    assert_eq!(entries.len(), 5 + 1 + 12);

    // Orders: counted, completed ones summed; posted once per reference.
    let order = |reference: &str, amount: i64, status: OrderStatus| Order {
        tenant: account.tenant.clone(),
        account: account.uuid,
        reference: reference.into(),
        amount: Amount(amount),
        status,
        placed_at: T0,
    };
    for o in [
        order("A-1", 100_50, OrderStatus::Completed),
        order("A-2", 20_00, OrderStatus::Completed),
        order("A-3", 5_00, OrderStatus::Placed),
    ] {
        assert_eq!(
            s.loyalty.post_order(&o).await.unwrap(),
            OrderPosted::Created(o.clone())
        );
    }
    let again = order("A-1", 100_50, OrderStatus::Completed);
    assert_eq!(
        s.loyalty.post_order(&again).await.unwrap(),
        OrderPosted::Replayed(again)
    );
    assert!(matches!(
        s.loyalty
            .post_order(&order("A-1", 1_00, OrderStatus::Placed))
            .await
            .unwrap(),
        OrderPosted::ReferenceTaken(_)
    ));
    let stats = s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap();
    assert_eq!(
        stats,
        OrderStats {
            count: 3,
            successful: 2,
            total_spending: Amount(120_50)
        }
    );
    let returned = s
        .loyalty
        .set_order_status(&tenant(), account.uuid, "A-1", OrderStatus::Returned)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(returned.status, OrderStatus::Returned);
    assert_eq!(
        s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap(),
        OrderStats {
            count: 3,
            successful: 1,
            total_spending: Amount(20_00)
        }
    );
    assert_eq!(
        s.loyalty
            .set_order_status(&tenant(), other.uuid, "A-1", OrderStatus::Completed)
            .await
            .unwrap(),
        None,
        "another account's reference"
    );
    assert_eq!(
        s.loyalty.orders(&tenant(), account.uuid, 10).await.unwrap().len(),
        3
    );
    // Racing status changes of one order leave the totals as its final status says.
    let moves = join_all((0..20).map(|i| {
        let loyalty = s.loyalty.clone();
        let status = if i % 2 == 0 {
            OrderStatus::Completed
        } else {
            OrderStatus::Cancelled
        };
        async move {
            loyalty
                .set_order_status(&tenant(), account.uuid, "A-3", status)
                .await
                .unwrap()
        }
    }))
    .await;
    assert!(moves.iter().all(Option::is_some));
    let last = s.loyalty.orders(&tenant(), account.uuid, 10).await.unwrap();
    let a3 = last.iter().find(|o| o.reference == "A-3").unwrap();
    let (extra, spent) = if a3.status == OrderStatus::Completed {
        (1, 5_00)
    } else {
        (0, 0)
    };
    assert_eq!(
        s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap(),
        OrderStats {
            count: 3,
            successful: 1 + extra,
            total_spending: Amount(20_00 + spent)
        }
    );
    assert_eq!(
        s.loyalty.order_stats(&tenant(), other.uuid).await.unwrap(),
        OrderStats::default()
    );
}

async fn run_contract(stores: Stores) {
    for (name, case) in CASES {
        eprintln!("contract case: {name}");
        case(stores.clone()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory_fake_keeps_the_contract() {
    run_contract(Stores::of(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("contract.db").display());
    let database = Database::open(&url).await.unwrap();
    // As the server does: principals are then served from memory, and the contract holds so.
    assert!(database.claim_sole_use(std::time::Duration::ZERO).await);
    let second = Database::open(&url).await.unwrap();
    assert!(
        !second.claim_sole_use(std::time::Duration::from_millis(200)).await,
        "one server per SQLite file"
    );
    run_contract(Stores::of(database)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_the_contract() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    run_contract(Stores::of(Database::open(db.url()).await.unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_lookups_use_indexes() {
    plans::record_statements();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db").display().to_string();
    run_contract(Stores::of(
        Database::open(&format!("sqlite://{path}")).await.unwrap(),
    ))
    .await;
    plans::sqlite_plans_use_indexes(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_lookups_use_indexes() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    plans::record_statements();
    run_contract(Stores::of(Database::open(db.url()).await.unwrap())).await;
    let url = db.url().to_owned();
    tokio::task::spawn_blocking(move || plans::postgres_plans_use_indexes(&url))
        .await
        .unwrap();
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let database = Database::open(&url).await.unwrap();
    assert_eq!(database.migrate().await.unwrap(), 0);
    if let Some(db) = clientele_testkit::postgres_database() {
        let database = Database::open(db.url()).await.unwrap();
        assert_eq!(database.migrate().await.unwrap(), 0);
    }
}

#[test]
fn bad_urls_are_refused_clearly() {
    for url in ["mysql://x", "sqlite://", "data.db"] {
        assert!(Database::connect(url).is_err(), "{url}");
    }
}

/// Whether `needle` occurs in the file at `path` (missing file: no).
fn file_contains(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

#[tokio::test]
async fn sqlite_removes_a_secret_from_the_files_not_only_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.db");
    let database = Database::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let secret = "RemovedSecretValue-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF";
    database.get_or_insert("jwt_secret", secret).await.unwrap();
    database.get_or_insert("kept", "kept-value").await.unwrap();
    let wal = dir.path().join("secrets.db-wal");
    assert!(
        file_contains(&path, secret) || file_contains(&wal, secret),
        "the value is in the files to begin with"
    );
    database.remove("jwt_secret").await.unwrap();
    assert_eq!(database.get("jwt_secret").await.unwrap(), None);
    assert!(
        !file_contains(&path, secret),
        "the value is left in the database file"
    );
    assert!(!file_contains(&wal, secret), "the value is left in the WAL");
    assert_eq!(database.get("kept").await.unwrap().as_deref(), Some("kept-value"));
    database.get_or_insert("after", "x").await.unwrap();
    assert_eq!(
        database.get("after").await.unwrap().as_deref(),
        Some("x"),
        "still usable"
    );
}

async fn holds_data_once_an_account_exists(database: Database) {
    assert!(
        !database.holds_data().await.unwrap(),
        "a new database holds nothing"
    );
    database.get_or_insert("admin_token_sha256", "x").await.unwrap();
    assert!(
        !database.holds_data().await.unwrap(),
        "instance secrets are not data"
    );
    AccountRepository::insert(&database, &full_account())
        .await
        .unwrap();
    assert!(database.holds_data().await.unwrap());
}

#[tokio::test]
async fn sqlite_tells_a_database_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data.db").display());
    holds_data_once_an_account_exists(Database::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_tells_a_database_with_data() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    holds_data_once_an_account_exists(Database::open(db.url()).await.unwrap()).await;
}

/// A commit that erases an account holds its row (`FOR UPDATE`: its address, a unique key,
/// changes) and goes on to the account's flows. Counting the last try of one of those flows must
/// need the flow alone: when it also waited for the account (PostgreSQL checks the foreign key
/// of a row updated twice in one transaction), the two deadlocked and a racing confirmation of
/// B2Core's deactivation answered 503.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_counts_a_last_try_while_the_account_is_held() {
    use diesel::{Connection, RunQueryDsl};

    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    let s = Stores::of(Database::open(db.url()).await.unwrap());
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = Flow {
        attempts: 4,
        ..flow_of(&account, Purpose::Deactivation)
    };
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(commit).await.unwrap();

    let (url, uuid) = (db.url().to_owned(), account.uuid.0.to_string());
    let (held, is_held) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        let _ = conn.transaction(|conn| {
            diesel::sql_query("UPDATE accounts SET email_normalized = 'held@example.com' WHERE uuid = $1")
                .bind::<diesel::sql_types::Text, _>(uuid)
                .execute(conn)?;
            held.send(()).unwrap();
            let _ = released.recv();
            Err::<(), _>(diesel::result::Error::RollbackTransaction)
        });
    });
    is_held.recv().unwrap();
    let counted = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.flows.register_attempt(&tenant(), flow.id, T0),
    )
    .await;
    release.send(()).unwrap();
    holder.join().unwrap();
    let counted = counted
        .expect("counting a try waited for the account held by another transaction")
        .unwrap()
        .unwrap();
    assert_eq!(
        (counted.attempts, counted.status),
        (5, FlowStatus::Locked),
        "the last try locks the flow"
    );
}

/// A sign-in whose password check ran while a closing committed: the session waits for the
/// closing's transaction and is then refused, instead of outliving the revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_opens_no_session_for_an_account_closing_meanwhile() {
    use diesel::{Connection, RunQueryDsl};

    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    let s = Stores::of(Database::open(db.url()).await.unwrap());
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let (url, uuid) = (db.url().to_owned(), account.uuid.0.to_string());
    let (held, is_held) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let closing = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        conn.transaction(|conn| {
            diesel::sql_query("UPDATE accounts SET status = 'deactivated' WHERE uuid = $1")
                .bind::<diesel::sql_types::Text, _>(uuid)
                .execute(conn)?;
            held.send(()).unwrap();
            let _ = released.recv();
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    is_held.recv().unwrap();
    let session = session_of(&account, T0 + Duration::hours(1));
    let sessions = s.sessions.clone();
    let opening = tokio::spawn(async move { sessions.create(&session, None, &[]).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !opening.is_finished(),
        "the session waits for the closing's transaction"
    );
    release.send(()).unwrap();
    closing.join().unwrap();
    assert_eq!(opening.await.unwrap(), Ok(false), "then sees the account closed");
}

/// The TSS profile reads balances and order statistics with aggregates in SQL: as many
/// statements for a ledger of hundreds of entries and orders as for a handful.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_standing_costs_the_same_statements_whatever_the_ledger_holds() {
    plans::record_statements();
    let dir = tempfile::tempdir().unwrap();
    // Statements are recorded under the connection's URL: for SQLite, the file's path.
    let path = dir.path().join("standing.db").display().to_string();
    let s = Stores::of(Database::open(&format!("sqlite://{path}")).await.unwrap());
    let url = path;
    // The in-memory fake computes the standing from the ledger itself: the running sums the
    // database keeps must read the same.
    let fake = Stores::of(MemoryStore::new());
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    fake.accounts.insert(&account).await.unwrap();
    let today = T0.date();
    let post = |i: usize, kind: WalletKind, expires_in: Option<i64>, amount: i64| {
        let entry = wallet_entry(&account, kind, &format!("e-{i}"), amount, expires_in);
        let (stored, computed) = (s.loyalty.clone(), fake.loyalty.clone());
        async move {
            let posted = stored.post_wallet_entry(&entry, today).await.unwrap();
            assert_eq!(computed.post_wallet_entry(&entry, today).await.unwrap(), posted);
        }
    };
    let standing = || async {
        let before = plans::statements_on(&url);
        let summary = s
            .loyalty
            .wallet_summary(&tenant(), account.uuid, today)
            .await
            .unwrap();
        let stats = s.loyalty.order_stats(&tenant(), account.uuid).await.unwrap();
        let cost = plans::statements_on(&url) - before;
        let summary_computed = fake
            .loyalty
            .wallet_summary(&tenant(), account.uuid, today)
            .await
            .unwrap();
        let stats_computed = fake.loyalty.order_stats(&tenant(), account.uuid).await.unwrap();
        assert_eq!(
            (summary, stats),
            (summary_computed, stats_computed),
            "the sums agree with the ledger"
        );
        cost
    };
    for (i, kind) in WalletKind::ALL.into_iter().enumerate() {
        post(i, kind, Some(3), 1_00).await;
    }
    let few = standing().await;
    for i in 3..300 {
        let kind = WalletKind::ALL[i % 3];
        let expires_in = (i % 4 != 0).then_some((i % 50) as i64 + 1);
        post(i, kind, expires_in, if i % 7 == 0 { -50 } else { 2_00 }).await;
        let order = Order {
            tenant: account.tenant.clone(),
            account: account.uuid,
            reference: format!("o-{i}"),
            amount: Amount(10_00 + i as i64),
            status: if i % 2 == 0 {
                OrderStatus::Completed
            } else {
                OrderStatus::Placed
            },
            placed_at: T0,
        };
        s.loyalty.post_order(&order).await.unwrap();
        fake.loyalty.post_order(&order).await.unwrap();
        if i % 5 == 0 {
            let status = if i % 10 == 0 {
                OrderStatus::Returned
            } else {
                OrderStatus::Completed
            };
            for store in [&s, &fake] {
                store
                    .loyalty
                    .set_order_status(&tenant(), account.uuid, &order.reference, status)
                    .await
                    .unwrap();
            }
        }
    }
    let many = standing().await;
    assert!(few > 0, "the recorder saw nothing");
    assert_eq!(
        many, few,
        "statements for 3 entries and for 300 entries and orders"
    );
    // Days go by: lots past their last day leave the balance; the sums still agree.
    for days in [5, 20, 49, 60] {
        let later = today + Duration::days(days);
        let stored = s
            .loyalty
            .wallet_summary(&tenant(), account.uuid, later)
            .await
            .unwrap();
        let computed = fake
            .loyalty
            .wallet_summary(&tenant(), account.uuid, later)
            .await
            .unwrap();
        assert_eq!(stored, computed, "{days} days later");
    }
}
