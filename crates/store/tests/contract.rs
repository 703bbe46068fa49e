//! One contract for the storage ports, run against the in-memory fake, SQLite and PostgreSQL.

use std::sync::Arc;

use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::ports::{AccountRepository, InstanceSecrets, SessionRepository, StoreError, UniqueKey};
use clientele_domain::profile::{Address, Profile};
use clientele_domain::session::{Session, SessionId};
use clientele_domain::sign_in_throttle::SignInThrottle;
use clientele_domain::tenant::TenantId;
use clientele_domain::values::{Birthday, Email, Locale, Name, PasswordHash, Phone};
use clientele_store::memory::MemoryStore;
use clientele_store::Database;
use futures_util::future::{join_all, BoxFuture};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Clone)]
struct Stores {
    accounts: Arc<dyn AccountRepository>,
    sessions: Arc<dyn SessionRepository>,
    secrets: Arc<dyn InstanceSecrets>,
}

impl Stores {
    fn of<S: AccountRepository + SessionRepository + InstanceSecrets + Clone + 'static>(store: S) -> Self {
        Stores {
            accounts: Arc::new(store.clone()),
            sessions: Arc::new(store.clone()),
            secrets: Arc::new(store),
        }
    }
}

// Whole microseconds: what both databases keep.
const T0: OffsetDateTime = datetime!(2026-11-22 10:00:00.123456 UTC);

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
            phone: Some(Phone::parse("+14155550123").unwrap()),
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
            referral_code: Some("ANN2024".into()),
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

fn session_of(account: &Account, expires_at: OffsetDateTime) -> Session {
    Session {
        id: SessionId(Uuid::new_v4()),
        tenant: account.tenant.clone(),
        account: account.uuid,
        created_at: T0,
        expires_at,
        revoked_at: None,
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
    let stored = s
        .accounts
        .find_by_uuid(&tenant(), account.uuid)
        .await
        .unwrap()
        .unwrap();
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
    let stored = s
        .accounts
        .find_by_uuid(&tenant(), account.uuid)
        .await
        .unwrap()
        .unwrap();
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
        async move {
            accounts
                .record_sign_in_failure(&tenant(), account.uuid)
                .await
                .unwrap()
        }
    }))
    .await;
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=20).collect::<Vec<_>>());
    s.accounts
        .lock_sign_in(&tenant(), account.uuid, T0 + Duration::hours(1))
        .await
        .unwrap();
    let stored = s
        .accounts
        .find_by_uuid(&tenant(), account.uuid)
        .await
        .unwrap()
        .unwrap();
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
    let stored = s
        .accounts
        .find_by_uuid(&tenant(), account.uuid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.sign_in, SignInThrottle::default());
}

async fn sessions_live_until_revoked_or_expired(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let live = session_of(&account, T0 + Duration::hours(1));
    let other = session_of(&account, T0 + Duration::hours(1));
    let expired = session_of(&account, T0 - Duration::seconds(1));
    for session in [&live, &other, &expired] {
        s.sessions.create(session).await.unwrap();
    }
    assert_eq!(
        s.sessions.create(&live).await,
        Err(StoreError::Duplicate(UniqueKey::Id))
    );

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
    s.sessions.create(&third).await.unwrap();
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
    s.secrets.ping().await.unwrap();
}

type Case = fn(Stores) -> BoxFuture<'static, ()>;

const CASES: &[(&str, Case)] = &[
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
];

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
    run_contract(Stores::of(Database::open(&url).await.unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_the_contract() {
    let Some(db) = clientele_testkit::postgres_database() else {
        return;
    };
    run_contract(Stores::of(Database::open(db.url()).await.unwrap())).await;
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
