//! A unit test as a team embedding the domain writes one: a use case over the `mock` feature's
//! mockall mocks, with the fakes' clock and randomness where a mock would only repeat a value.
//! It checks what the use case hands the unit of work, not how a store would keep it.

use std::sync::Arc;

use clientele_domain::account::{Account, AccountStatus, AccountUuid, PublicId};
use clientele_domain::flow::FlowSettings;
use clientele_domain::ports::{
    MockAccountRepository, MockAuditLog, MockFlowRepository, MockSessionRepository, MockTenantRepository,
    MockUnitOfWork, StoreError,
};
use clientele_domain::profile::Profile;
use clientele_domain::services::{Deps, FlowDeps, FlowPorts, LinkSettings, Onboarding};
use clientele_domain::sign_in_throttle::SignInThrottle;
use clientele_domain::values::{Email, PasswordHash};
use clientele_domain::{DomainError, TenantId};
use clientele_fakes::{FixedClock, InClear, Sequence};
use time::macros::datetime;
use uuid::Uuid;

fn active_account(address: &str) -> Account {
    let now = datetime!(2026-12-01 12:00 UTC);
    Account {
        uuid: AccountUuid(Uuid::from_u128(7)),
        public_id: PublicId(58_937_470_420_006),
        tenant: TenantId::default_tenant(),
        status: AccountStatus::Active,
        email: Some(Email::parse(address).unwrap()),
        email_confirmed: true,
        email_temporary: false,
        password_hash: Some(PasswordHash::from_stored("$2b$04$stored".into())),
        two_factor: false,
        factors: Default::default(),
        external_id: None,
        profile: Profile::default(),
        sign_in: SignInThrottle::default(),
        created_at: now,
        updated_at: now,
        version: 3,
    }
}

fn onboarding(accounts: MockAccountRepository, commits: MockUnitOfWork) -> Onboarding {
    let mut tenants = MockTenantRepository::new();
    tenants.expect_get_tenant().returning(|_| Ok(None));
    let deps = Deps {
        accounts: Arc::new(accounts),
        sessions: Arc::new(MockSessionRepository::new()),
        passwords: Arc::new(InClear),
        tokens: Arc::new(InClear),
        clock: Arc::new(FixedClock::at(datetime!(2026-12-01 12:00 UTC))),
        random: Arc::new(Sequence::default()),
        audit: Arc::new(MockAuditLog::new()),
        request: Arc::new(InClear),
        turns: Default::default(),
    };
    let flows = FlowDeps::new(
        FlowPorts {
            // No secret is issued for an address that has an account: a call fails the test.
            flows: Arc::new(MockFlowRepository::new()),
            commits: Arc::new(commits),
            digester: Arc::new(InClear),
            sealer: Arc::new(InClear),
            tenants: Arc::new(tenants),
            renderer: Arc::new(clientele_messages::MinijinjaRenderer::new()),
            templates: Arc::new(clientele_fakes::MemoryStore::new()),
            branding: clientele_domain::messages::InstanceBranding::from_config(
                "Clientele <no-reply@localhost>",
                None,
            ),
        },
        FlowSettings::default(),
        LinkSettings {
            public_url: "https://id.example.com".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        },
    );
    Onboarding::new(deps, flows)
}

#[tokio::test]
async fn signing_up_with_an_address_that_has_an_account_only_tells_its_owner() {
    let mut accounts = MockAccountRepository::new();
    accounts
        .expect_find_by_email()
        .withf(|_, normalized| normalized == "ann@example.com")
        .returning(|_, _| Ok(Some(active_account("ann@example.com"))));
    let mut commits = MockUnitOfWork::new();
    commits
        .expect_commit()
        .times(1)
        .withf(|commit| {
            // One notice to the owner; no secret issued, no session touched.
            commit.flows.is_empty()
                && commit.revoke_sessions.is_empty()
                && commit.messages.len() == 1
                && commit.messages[0].recipient == "ann@example.com"
        })
        .returning(|_| Ok(()));
    let onboarding = onboarding(accounts, commits);
    let invitation = Onboarding::signup_input("Ann@Example.com", None, None).unwrap();
    onboarding
        .sign_up(&TenantId::default_tenant(), invitation)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_sign_up_the_store_cannot_read_for_is_an_outage_not_a_success() {
    let mut accounts = MockAccountRepository::new();
    accounts
        .expect_find_by_email()
        .returning(|_, _| Err(StoreError::Unavailable("down".into())));
    let onboarding = onboarding(accounts, MockUnitOfWork::new());
    let invitation = Onboarding::signup_input("ann@example.com", None, None).unwrap();
    let outcome = onboarding.sign_up(&TenantId::default_tenant(), invitation).await;
    assert!(matches!(outcome, Err(DomainError::Unavailable(_))), "{outcome:?}");
}
