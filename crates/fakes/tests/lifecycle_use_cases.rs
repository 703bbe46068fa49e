//! The account lifecycle through the use cases, on the in-memory store: for every event, done
//! the way a customer or the back office does it, every other open flow of the account (one of
//! every kind) ends, and the flow whose secret made the change is the one that is confirmed.
//! A use case that wrote an account change without its transition would leave them open.

use std::sync::Arc;

use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::deletion_request::{DeletionRequest, DeletionRequestId, DeletionStatus};
use clientele_domain::flow::{Channel, Flow, FlowId, FlowSettings, FlowStatus, FlowWrite, Purpose};
use clientele_domain::lifecycle::AccountEvent;
use clientele_domain::pending_change::{HeldEdit, PendingChange, PendingFactor};
use clientele_domain::ports::{
    AccountRepository, AuditLog, Commit, FlowRepository, SecretDigester, SessionRepository, TenantRepository,
    UnitOfWork,
};
use clientele_domain::profile::{Profile, ProfileEdit};
use clientele_domain::services::{
    AccountClosing, Authenticated, Deactivation, DeletionRequests, Deps, EmailChange, FactorPorts, FlowDeps,
    LinkSettings, Loyalty, Onboarding, PasswordChange, PasswordReset, PersonalDetails, ProfileView, Profiles,
    SignIn, StrongFactors,
};
use clientele_domain::session::{Session, SessionId};
use clientele_domain::tenant::{ClosingPolicy, Tenant, TenantId, TenantSettings};
use clientele_domain::values::{Email, Password, PasswordHash, Phone};
use clientele_domain::Patch;
use clientele_fakes::{FixedClock, FixedCodeApp, InClear, MemoryStore, NoPasskeys, Sequence};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);
const SECRET: &str = "RIGHTSECRET";
const PASSWORD: &str = "the current password";

struct World {
    store: MemoryStore,
    tenant: TenantId,
    onboarding: Onboarding,
    email_change: EmailChange,
    reset: PasswordReset,
    passwords: PasswordChange,
    profiles: Profiles,
    details: PersonalDetails,
    deactivation: Deactivation,
    deletions: DeletionRequests,
    factors: StrongFactors,
}

async fn world() -> World {
    let store = MemoryStore::new();
    // Closing keeps the data, so that a closed account's flows can be looked at.
    let tenant = Tenant {
        id: TenantId::parse("matrix").unwrap(),
        name: "Matrix".into(),
        settings: TenantSettings {
            closing: ClosingPolicy {
                delete_personal_data: false,
                deletion_requires_approval: false,
            },
            ..TenantSettings::default()
        },
        created_at: NOW,
    };
    store.insert_tenant(&tenant).await.unwrap();
    let deps = Deps {
        accounts: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        passwords: Arc::new(InClear),
        tokens: Arc::new(InClear),
        clock: Arc::new(FixedClock::at(NOW)),
        random: Arc::new(Sequence::default()),
        audit: Arc::new(store.clone()) as Arc<dyn AuditLog>,
        request: Arc::new(InClear),
        turns: Default::default(),
    };
    let flows = FlowDeps::new(
        clientele_domain::services::FlowPorts {
            flows: Arc::new(store.clone()),
            commits: Arc::new(store.clone()),
            digester: Arc::new(InClear),
            sealer: Arc::new(InClear),
            tenants: Arc::new(store.clone()),
            renderer: Arc::new(clientele_messages::MinijinjaRenderer::new()),
            templates: Arc::new(store.clone()),
            branding: clientele_domain::messages::InstanceBranding::from_config(
                "Clientele <no-reply@localhost>",
                None,
            ),
        },
        FlowSettings::default(),
        LinkSettings {
            public_url: "http://127.0.0.1:8080".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        },
    );
    let sign_in = Arc::new(SignIn::new(deps.clone(), Default::default()));
    let loyalty = Arc::new(Loyalty::new(deps.clone(), Arc::new(store.clone())));
    let closing = Arc::new(AccountClosing::new(deps.clone(), flows.clone()));
    World {
        tenant: tenant.id,
        onboarding: Onboarding::new(deps.clone(), flows.clone()),
        email_change: EmailChange::new(deps.clone(), flows.clone()),
        reset: PasswordReset::new(deps.clone(), flows.clone(), Arc::new(InClear)),
        passwords: PasswordChange::new(deps.clone(), flows.clone()),
        profiles: Profiles::new(deps.clone(), flows.clone()),
        details: PersonalDetails::new(
            deps.clone(),
            flows.clone(),
            Arc::new(ProfileView::new(deps.clone(), flows.clone(), loyalty, None)),
            sign_in,
        ),
        deactivation: Deactivation::new(deps.clone(), flows.clone(), closing),
        factors: StrongFactors::new(
            deps.clone(),
            flows.clone(),
            FactorPorts {
                apps: Arc::new(FixedCodeApp),
                passkeys: Arc::new(NoPasskeys),
                sealer: Arc::new(InClear),
                party: Default::default(),
            },
        ),
        deletions: DeletionRequests::new(deps, flows, Arc::new(store.clone())),
        store,
    }
}

/// A pending authenticator app, as its enrolment flow holds it.
fn enrolment() -> (Purpose, Option<PendingChange>) {
    let pending = PendingFactor {
        name: "Phone".into(),
        sealed: "APPSECRET".into(),
        kind: Default::default(),
    };
    (Purpose::FactorEnrolment, Some(PendingChange::Enrolment(pending)))
}

fn phone(n: u128) -> Phone {
    Phone::parse(&format!("+1415555{:04}", n % 10_000)).unwrap()
}

/// A number other than `old`.
fn another_phone(old: &Account) -> String {
    let old = old.profile.phone.as_ref().map(|p| p.as_str().to_owned());
    std::iter::repeat_with(|| phone(Uuid::new_v4().as_u128()).as_str().to_owned())
        .find(|new| Some(new) != old.as_ref())
        .unwrap()
}

impl World {
    async fn account(&self, status: AccountStatus, two_factor: bool) -> Account {
        let uuid = Uuid::new_v4();
        let account = Account {
            uuid: AccountUuid(uuid),
            public_id: PublicId(PublicId::MIN + (uuid.as_u128() % 1_000_000_000) as i64),
            tenant: self.tenant.clone(),
            status,
            email: Some(Email::parse(&format!("a{}@example.com", uuid.simple())).unwrap()),
            email_confirmed: status != AccountStatus::PendingActivation,
            email_temporary: false,
            password_hash: Some(PasswordHash::from_stored(format!("hash:{PASSWORD}"))),
            two_factor,
            factors: Default::default(),
            external_id: None,
            profile: Profile {
                phone: Some(phone(uuid.as_u128())),
                ..Profile::default()
            },
            sign_in: Default::default(),
            created_at: NOW - Duration::days(1),
            updated_at: NOW - Duration::days(1),
            version: 0,
        };
        self.store.insert(&account).await.unwrap();
        account
    }

    /// The account signed in just now.
    async fn signed_in(&self, account: &Account) -> Authenticated {
        let session = Session {
            id: SessionId(Uuid::new_v4()),
            tenant: account.tenant.clone(),
            account: account.uuid,
            created_at: NOW,
            expires_at: NOW + Duration::hours(1),
            revoked_at: None,
            country: None,
            device: None,
            ip: None,
            sign_in_method: clientele_domain::session::SignInMethod::Password,
            last_seen_at: NOW,
        };
        assert!(SessionRepository::create(&self.store, &session, None, &[])
            .await
            .unwrap());
        Authenticated {
            session,
            account: account.clone(),
        }
    }

    /// One open flow of every kind but `completing`'s, and `completing`'s with [`SECRET`]
    /// (holding `change`): the others, and the completing one.
    async fn open_flows(
        &self,
        account: &Account,
        completing: Option<(Purpose, Option<PendingChange>)>,
    ) -> (Vec<Flow>, Option<Flow>) {
        let flow = |purpose: Purpose, secret: &str, change: Option<PendingChange>| Flow {
            id: FlowId(Uuid::new_v4()),
            tenant: account.tenant.clone(),
            account: account.uuid,
            purpose,
            channel: Channel::Email,
            target: match purpose {
                Purpose::PhoneChange | Purpose::SecondFactor => {
                    account.profile.phone.as_ref().unwrap().as_str().to_owned()
                }
                _ => account.address(),
            },
            secret_digest: InClear.digest(secret),
            status: FlowStatus::Pending,
            attempts: 0,
            max_attempts: 5,
            pending_change: change,
            expires_at: NOW + Duration::minutes(5),
            created_at: NOW,
            updated_at: NOW,
            sent: 1,
            sent_at: NOW - Duration::minutes(2),
            version: 0,
        };
        let completing = completing.map(|(purpose, change)| flow(purpose, SECRET, change));
        let others: Vec<Flow> = Purpose::ALL
            .into_iter()
            .filter(|p| completing.as_ref().is_none_or(|c| c.purpose != *p))
            .map(|p| flow(p, "ANOTHERSECRET", None))
            .collect();
        let mut commit = Commit::at(NOW);
        commit.flows.extend(
            others
                .iter()
                .chain(completing.iter())
                .cloned()
                .map(FlowWrite::Insert),
        );
        self.store.commit(commit).await.unwrap();
        (others, completing)
    }

    async fn status_of(&self, flow: &Flow) -> Option<FlowStatus> {
        FlowRepository::find(&self.store, &flow.tenant, flow.id)
            .await
            .unwrap()
            .map(|f| f.status)
    }
}

/// Runs `event` the way its use case does it, on a fresh account with an open flow of every
/// kind, and checks what became of them.
async fn check(event: AccountEvent) {
    let w = world().await;
    let tenant = w.tenant.clone();
    let open = |status| w.account(status, false);
    let (others, completing) = match event {
        AccountEvent::Activated => {
            let account = open(AccountStatus::PendingActivation).await;
            let (others, flow) = w.open_flows(&account, Some((Purpose::Activation, None))).await;
            let password = Password::new_secret("a brand new password").unwrap();
            let flow_id = flow.as_ref().unwrap().id.to_string();
            w.onboarding
                .activate(&tenant, &flow_id, SECRET, password)
                .await
                .unwrap();
            (others, flow)
        }
        AccountEvent::EmailChanged => {
            let account = open(AccountStatus::Active).await;
            let address = format!("new.{}@example.com", Uuid::new_v4().simple());
            let change = Some(PendingChange::NewAddress(address));
            let (others, flow) = w.open_flows(&account, Some((Purpose::EmailChange, change))).await;
            let flow_id = flow.as_ref().unwrap().id.to_string();
            w.email_change
                .confirm_email(&tenant, &flow_id, SECRET)
                .await
                .unwrap();
            (others, flow)
        }
        AccountEvent::PasswordChanged => {
            let account = open(AccountStatus::Active).await;
            let who = w.signed_in(&account).await;
            let (others, _) = w.open_flows(&account, None).await;
            w.passwords
                .change(&who, PASSWORD, "a brand new password")
                .await
                .unwrap();
            (others, None)
        }
        AccountEvent::PasswordReset => {
            let account = open(AccountStatus::Active).await;
            let (others, flow) = w.open_flows(&account, Some((Purpose::PasswordReset, None))).await;
            w.reset
                .reset_password(&tenant, &account.address(), SECRET)
                .await
                .unwrap();
            (others, flow)
        }
        AccountEvent::PhoneChanged => {
            let account = open(AccountStatus::Active).await;
            let who = w.signed_in(&account).await;
            let (others, _) = w.open_flows(&account, None).await;
            let edit = ProfileEdit {
                phone: Patch::Set(Some(another_phone(&account))),
                ..ProfileEdit::default()
            };
            w.profiles.edit(&who, edit).await.unwrap();
            (others, None)
        }
        AccountEvent::TwoFactorEnabled | AccountEvent::TwoFactorDisabled => {
            let on = event == AccountEvent::TwoFactorEnabled;
            let account = w.account(AccountStatus::Active, !on).await;
            let who = w.signed_in(&account).await;
            let number = account.profile.phone.clone().unwrap();
            let held = PendingChange::HeldEdit(HeldEdit {
                firstname: "Ann".into(),
                lastname: "Lee".into(),
                gender: "female".into(),
                birthdate: None,
                telephone: number.as_str().to_owned(),
                email: None,
                two_factor: on,
            });
            let (others, flow) = w
                .open_flows(&account, Some((Purpose::PhoneChange, Some(held))))
                .await;
            w.details
                .confirm_code(&who, number.as_str(), SECRET)
                .await
                .unwrap();
            (others, flow)
        }
        AccountEvent::Deactivated => {
            let account = open(AccountStatus::Active).await;
            let who = w.signed_in(&account).await;
            let (others, flow) = w.open_flows(&account, Some((Purpose::Deactivation, None))).await;
            let flow_id = flow.as_ref().unwrap().id.to_string();
            w.deactivation.confirm(&who, &flow_id, SECRET).await.unwrap();
            (others, flow)
        }
        AccountEvent::Erased => {
            let account = open(AccountStatus::Deactivated).await;
            let (others, _) = w.open_flows(&account, None).await;
            let request = DeletionRequest {
                id: DeletionRequestId(Uuid::new_v4()),
                tenant: tenant.clone(),
                account: account.uuid,
                status: DeletionStatus::Pending,
                created_at: NOW,
                decided_at: None,
                reason: None,
            };
            let mut commit = Commit::at(NOW);
            commit.deletion_requests.push(request.clone());
            w.store.commit(commit).await.unwrap();
            w.deletions
                .approve(&tenant, &request.id.to_string())
                .await
                .unwrap();
            (others, None)
        }
        AccountEvent::Reactivated => {
            let account = open(AccountStatus::Deactivated).await;
            let (others, _) = w.open_flows(&account, None).await;
            w.deletions.reactivate(account).await.unwrap();
            (others, None)
        }
        AccountEvent::FactorAdded => {
            let account = open(AccountStatus::Active).await;
            let who = w.signed_in(&account).await;
            let (others, flow) = w.open_flows(&account, Some(enrolment())).await;
            let id = flow.as_ref().unwrap().id.to_string();
            let added = w
                .factors
                .confirm_app(&who, &id, FixedCodeApp::CODE)
                .await
                .unwrap();
            assert_eq!(
                added.recovery_codes.map(|c| c.len()),
                Some(10),
                "the first factor's codes"
            );
            (others, flow)
        }
        AccountEvent::FactorRemoved | AccountEvent::RecoveryCodesReplaced => {
            let account = open(AccountStatus::Active).await;
            let who = w.signed_in(&account).await;
            let (_, flow) = w.open_flows(&account, Some(enrolment())).await;
            let id = flow.as_ref().unwrap().id.to_string();
            let added = w
                .factors
                .confirm_app(&who, &id, FixedCodeApp::CODE)
                .await
                .unwrap();
            let (others, _) = w.open_flows(&account, None).await;
            if event == AccountEvent::FactorRemoved {
                w.factors
                    .remove(&who, &added.factor.id.to_string())
                    .await
                    .unwrap();
            } else {
                let codes = w.factors.replace_recovery_codes(&who).await.unwrap();
                assert_eq!(codes.len(), 10);
            }
            (others, None)
        }
        // A new event is in `AccountEvent::ALL`: this test fails until its use case is here.
        other => panic!("no use case for {other} here yet"),
    };
    let ended = if event == AccountEvent::Erased {
        None // erasure deletes them
    } else {
        Some(FlowStatus::Cancelled)
    };
    for flow in &others {
        assert_eq!(
            w.status_of(flow).await,
            ended,
            "{event}: the open {:?} flow",
            flow.purpose
        );
    }
    if let Some(flow) = &completing {
        assert_eq!(w.status_of(flow).await, Some(FlowStatus::Confirmed), "{event}");
    }
}

#[tokio::test]
async fn every_event_through_its_use_case_ends_every_other_open_flow() {
    for event in AccountEvent::ALL {
        check(event).await;
    }
}

/// The keys a stolen session asks for die with the owner's reset, and the reset itself works
/// once: the use cases, not only the store, keep the invariant.
#[tokio::test]
async fn an_email_change_key_does_not_survive_a_reset_and_a_reset_code_not_an_email_change() {
    let w = world().await;
    let account = w.account(AccountStatus::Active, false).await;
    let who = w.signed_in(&account).await;
    let attacker = format!("attacker.{}@example.com", Uuid::new_v4().simple());
    let (others, reset) = w.open_flows(&account, Some((Purpose::PasswordReset, None))).await;
    let email_change = others.iter().find(|f| f.purpose == Purpose::EmailChange).unwrap();
    let mut key = Commit::at(NOW);
    key.flows.push(FlowWrite::Replace(Flow {
        pending_change: Some(PendingChange::NewAddress(attacker.clone())),
        secret_digest: InClear.digest("ATTACKERKEY"),
        ..email_change.clone()
    }));
    w.store.commit(key).await.unwrap();
    w.reset
        .reset_password(&w.tenant, &account.address(), SECRET)
        .await
        .unwrap();
    let refused = w
        .email_change
        .confirm_email(&w.tenant, &email_change.id.to_string(), "ATTACKERKEY")
        .await;
    assert!(refused.is_err(), "{refused:?}");
    let stored = w
        .store
        .find_by_uuid(&w.tenant, account.uuid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.email, account.email, "the address is the owner's");
    assert_eq!(
        w.status_of(reset.as_ref().unwrap()).await,
        Some(FlowStatus::Confirmed)
    );
    // The stolen session ended with the reset: what it asks for now is not written.
    let edit = w
        .email_change
        .edit_self(&who, Default::default(), Some(&attacker))
        .await;
    assert!(
        matches!(edit, Err(clientele_domain::DomainError::Unauthenticated)),
        "{edit:?}"
    );
    assert!(matches!(
        FlowRepository::find_open(&w.store, &w.tenant, account.uuid, Purpose::EmailChange).await,
        Ok(None)
    ));
}

/// One edit that changes the phone number and asks for an email change: the number's change
/// ends the flows open before, never the key the same edit mails.
#[tokio::test]
async fn a_key_mailed_by_the_same_edit_that_ends_the_others_stays_open() {
    let w = world().await;
    let account = w.account(AccountStatus::Active, false).await;
    let who = w.signed_in(&account).await;
    let (others, _) = w.open_flows(&account, None).await;
    let new_address = format!("new.{}@example.com", Uuid::new_v4().simple());
    let edit = clientele_domain::customer_edit::CustomerEdit {
        phone: Patch::Set(Some(another_phone(&account))),
        ..Default::default()
    };
    w.email_change
        .edit_self(&who, edit, Some(&new_address))
        .await
        .unwrap();
    // The email change open before is re-issued with the new key (asking again replaces it).
    for flow in others.iter().filter(|f| f.purpose != Purpose::EmailChange) {
        assert_eq!(
            w.status_of(flow).await,
            Some(FlowStatus::Cancelled),
            "{:?}",
            flow.purpose
        );
    }
    let key = FlowRepository::find_open(&w.store, &w.tenant, account.uuid, Purpose::EmailChange)
        .await
        .unwrap()
        .expect("the key just mailed is open");
    assert_eq!(key.pending_change, Some(PendingChange::NewAddress(new_address)));
    assert_eq!(key.status, FlowStatus::Pending);
}
