//! The mailed-secret use cases (email change, reset) under races, with every port mocked.

use std::sync::Arc;

use mockall::Sequence;

use super::*;
use crate::customer_edit::CustomerEdit;
use crate::flow::Flow;
use crate::flow::{Channel, FlowSettings, FlowStatus, FlowWrite};
use crate::ports::AccountWrite;
use crate::ports::{
    MockAccountRepository, MockFlowRepository, MockPasswordHasher, MockSealer, MockSecretDigester,
    MockSessionRepository, MockUnitOfWork, StoreError,
};
use crate::services::support::test_support::{account, deps_with, T0};
use crate::services::{Authenticated, EmailChange, LinkSettings, PasswordReset};
use crate::AccountStatus;

fn email_change_flow() -> Flow {
    let account = account();
    Flow {
        id: FlowId(uuid::Uuid::from_u128(77)),
        tenant: account.tenant.clone(),
        account: account.uuid,
        purpose: Purpose::EmailChange,
        channel: Channel::Email,
        target: "new@example.com".into(),
        secret_digest: "digest".into(),
        status: FlowStatus::Pending,
        attempts: 1,
        max_attempts: 5,
        pending_change: Some(crate::pending_change::PendingChange::NewAddress(
            "new@example.com".into(),
        )),
        expires_at: T0 + time::Duration::hours(1),
        created_at: T0,
        updated_at: T0,
        sent: 1,
        sent_at: T0,
        version: 2,
    }
}

fn tenants_without_settings() -> crate::ports::MockTenantRepository {
    let mut tenants = crate::ports::MockTenantRepository::new();
    tenants.expect_get_tenant().returning(|_| Ok(None));
    tenants
}

fn kit(accounts: MockAccountRepository, commits: MockUnitOfWork) -> (Deps, FlowDeps) {
    let mut flows = MockFlowRepository::new();
    flows
        .expect_find()
        .returning(|_, _| Ok(Some(email_change_flow())));
    flows
        .expect_register_attempt()
        .returning(|_, _, _| Ok(Some(email_change_flow())));
    flows.expect_find_open().returning(|_, _, _| Ok(None));
    let mut digester = MockSecretDigester::new();
    digester.expect_matches().returning(|_, _| true);
    digester.expect_digest().returning(|_| "digest".into());
    let mut sealer = MockSealer::new();
    sealer
        .expect_seal()
        .returning(|text| format!("sealed {}", text.len()));
    let flow_deps = FlowDeps::new(
        crate::services::FlowPorts {
            flows: Arc::new(flows),
            commits: Arc::new(commits),
            digester: Arc::new(digester),
            sealer: Arc::new(sealer),
            tenants: Arc::new(tenants_without_settings()),
            renderer: Arc::new(crate::services::support::test_support::LinesRenderer),
            templates: Arc::new(crate::services::support::test_support::no_templates()),
            branding: crate::messages::InstanceBranding::from_config("Clientele <no-reply@localhost>", None),
        },
        FlowSettings::default(),
        LinkSettings {
            public_url: "http://127.0.0.1:8080".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        },
    );
    let deps = deps_with(accounts, MockSessionRepository::new(), MockPasswordHasher::new());
    (deps, flow_deps)
}

fn area(accounts: MockAccountRepository, commits: MockUnitOfWork) -> EmailChange {
    let (deps, flows) = kit(accounts, commits);
    EmailChange::new(deps, flows)
}

fn reset(accounts: MockAccountRepository, commits: MockUnitOfWork) -> PasswordReset {
    let (deps, flows) = kit(accounts, commits);
    PasswordReset::new(deps, flows, Arc::new(crate::ports::MockPassphraseTokens::new()))
}

async fn confirm(area: &EmailChange) -> Result<(), DomainError> {
    let flow = email_change_flow();
    area.confirm_email(&flow.tenant, &flow.id.to_string(), "RIGHTKEY")
        .await
}

#[tokio::test]
async fn a_right_key_survives_an_unrelated_edit_in_the_same_instant() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_uuid().returning(|_, _| {
        let mut edited = account();
        edited.version += 1;
        Ok(Some(edited))
    });
    let mut commits = MockUnitOfWork::new();
    let mut order = Sequence::new();
    commits
        .expect_commit()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Err(StoreError::VersionMismatch));
    commits
        .expect_commit()
        .times(1)
        .in_sequence(&mut order)
        .withf(|c| {
            matches!(&c.accounts[..], [AccountWrite::Update(a)] if a.email.as_ref().map(|e| e.as_str()) == Some("new@example.com"))
                && c.flows
                    == [
                        email_change_flow().consume(),
                        // Every other open flow ends: no reset code mailed to the old
                        // address outlives the change.
                        FlowWrite::CancelAllOpen {
                            tenant: email_change_flow().tenant,
                            account: email_change_flow().account,
                            except: vec![email_change_flow().id],
                        },
                    ]
        })
        .returning(|_| Ok(()));
    confirm(&area(accounts, commits)).await.unwrap();
}

#[tokio::test]
async fn a_key_whose_flow_moved_is_refused_without_deciding_again() {
    let mut accounts = MockAccountRepository::new();
    accounts
        .expect_find_by_uuid()
        .returning(|_, _| Ok(Some(account())));
    let mut commits = MockUnitOfWork::new();
    commits
        .expect_commit()
        .times(1)
        .returning(|_| Err(StoreError::FlowChanged));
    let refused = confirm(&area(accounts, commits)).await.unwrap_err();
    assert!(
        matches!(refused, DomainError::SecretRefused(Refusal::Invalid)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_key_confirmed_after_the_account_was_closed_changes_nothing() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_uuid().returning(|_, _| {
        let mut closed = account();
        closed.status = AccountStatus::Deactivated;
        Ok(Some(closed))
    });
    let mut commits = MockUnitOfWork::new();
    commits.expect_commit().never();
    let refused = confirm(&area(accounts, commits)).await.unwrap_err();
    assert!(
        matches!(refused, DomainError::SecretRefused(Refusal::Invalid)),
        "{refused:?}"
    );
}

fn relies_on_the_account_as_read(commit: &Commit) -> bool {
    matches!(&commit.accounts[..], [AccountWrite::Unchanged(a)] if a.version == account().version)
}

#[tokio::test]
async fn mailing_an_email_change_key_relies_on_the_account_not_having_closed() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_email().returning(|_, _| Ok(None));
    let mut commits = MockUnitOfWork::new();
    commits
        .expect_commit()
        .times(1)
        .withf(|c| relies_on_the_account_as_read(c) && !c.messages.is_empty())
        .returning(|_| Ok(()));
    let caller = Authenticated {
        session: crate::session::Session {
            id: crate::session::SessionId(uuid::Uuid::nil()),
            tenant: account().tenant,
            account: account().uuid,
            created_at: T0,
            expires_at: T0,
            revoked_at: None,
            country: None,
            device: None,
            ip: None,
            sign_in_method: crate::session::SignInMethod::Password,
            last_seen_at: T0,
        },
        account: account(),
    };
    area(accounts, commits)
        .edit_self(&caller, CustomerEdit::default(), Some("new@example.com"))
        .await
        .unwrap();
}

#[tokio::test]
async fn mailing_a_reset_code_relies_on_the_account_and_stops_once_it_closed() {
    let mut accounts = MockAccountRepository::new();
    accounts
        .expect_find_by_email()
        .returning(|_, _| Ok(Some(account())));
    accounts.expect_find_by_uuid().returning(|_, _| {
        let mut closed = account();
        closed.status = AccountStatus::Deactivated;
        Ok(Some(closed))
    });
    let mut commits = MockUnitOfWork::new();
    // Closed between the read and the commit: the commit fails, the decision is made again on
    // the closed account, and nothing is mailed.
    commits
        .expect_commit()
        .times(1)
        .withf(relies_on_the_account_as_read)
        .returning(|_| Err(StoreError::VersionMismatch));
    reset(accounts, commits)
        .request_password_reset(&account().tenant, "ann@example.com", "https://shop.example.com/r")
        .await
        .unwrap();
}
