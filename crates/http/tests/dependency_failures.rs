//! The HTTP layer with mocked ports: when a dependency fails, clients get a 503 problem with
//! `Retry-After`, never a 500 or a stack trace.

use std::sync::Arc;

use actix_web::test as atest;
use clientele_domain::flow::FlowSettings;
use clientele_domain::ports::{
    AccessClaims, MockAccessTokens, MockAccountRepository, MockApiKeyRepository, MockAuditLog, MockClock,
    MockDeletionRequestRepository, MockFlowRepository, MockLoyaltyRepository, MockOutbox,
    MockPassphraseTokens, MockPasswordHasher, MockRandomness, MockReadiness, MockSealer, MockSecretDigester,
    MockSessionRepository, MockTenantRepository, MockUnitOfWork, StoreError,
};
use clientele_domain::services::{
    AccountClosing, ApiKeys, AppUsers, AuditView, Customers, Deactivation, DeletionRequests, Deps,
    EmailChange, FactorPorts, FlowDeps, LinkSettings, Loyalty, Onboarding, OutboxView, PasswordChange,
    PasswordReset, PersonalDetails, ProfileView, Profiles, SecondFactor, SignIn, StrongFactors, Tenants,
};
use clientele_domain::{AccountUuid, SessionId, TenantId};
use clientele_http::{app, AppState};
use serde_json::Value;
use time::OffsetDateTime;

fn down() -> StoreError {
    StoreError::Unavailable("connection refused".into())
}

/// Tenants live in the same database: it is down for them too.
fn tenants_down() -> MockTenantRepository {
    let mut tenants = MockTenantRepository::new();
    tenants.expect_get_tenant().returning(|_| Err(down()));
    tenants
}

fn keys_down() -> MockApiKeyRepository {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_find_key_by_prefix().returning(|_| Err(down()));
    keys
}

fn digester_matching_nothing() -> MockSecretDigester {
    let mut digester = MockSecretDigester::new();
    digester.expect_matches().returning(|_, _| false);
    digester
}

fn state(
    accounts: MockAccountRepository,
    sessions: MockSessionRepository,
    readiness: MockReadiness,
) -> AppState {
    let mut clock = MockClock::new();
    clock.expect_now().returning(OffsetDateTime::now_utc);
    let mut tokens = MockAccessTokens::new();
    tokens.expect_verify().returning(|_| {
        let now = OffsetDateTime::now_utc();
        Ok(AccessClaims {
            session: SessionId(uuid::Uuid::nil()),
            account: AccountUuid(uuid::Uuid::nil()),
            tenant: TenantId::default_tenant(),
            issued_at: now,
            expires_at: now + time::Duration::hours(1),
        })
    });
    let deps = Deps {
        accounts: Arc::new(accounts),
        sessions: Arc::new(sessions),
        passwords: Arc::new(MockPasswordHasher::new()),
        tokens: Arc::new(tokens),
        clock: Arc::new(clock),
        random: Arc::new(MockRandomness::new()),
        audit: Arc::new(MockAuditLog::new()),
        request: Arc::new(clientele_http::CurrentRequest),
        turns: Default::default(),
    };
    let links = LinkSettings {
        public_url: "http://127.0.0.1:8080".into(),
        allowed_origins: Vec::new(),
        tenant: None,
    };
    let flows = FlowDeps::new(
        clientele_domain::services::FlowPorts {
            flows: Arc::new(MockFlowRepository::new()),
            commits: Arc::new(MockUnitOfWork::new()),
            digester: Arc::new(MockSecretDigester::new()),
            sealer: Arc::new(MockSealer::new()),
            tenants: Arc::new(tenants_down()),
            // The tenant cannot be read: nothing is rendered.
            renderer: Arc::new(clientele_domain::ports::MockMessageRenderer::new()),
            templates: Arc::new(clientele_domain::ports::MockMessageTemplates::new()),
            branding: clientele_domain::messages::InstanceBranding::from_config(
                "Clientele <no-reply@localhost>",
                None,
            ),
        },
        FlowSettings::default(),
        links,
    );
    let closing = Arc::new(AccountClosing::new(deps.clone(), flows.clone()));
    let flows_for_deactivation = flows.clone();
    let onboarding = Arc::new(Onboarding::new(deps.clone(), flows.clone()));
    let tenants = Arc::new(tenants_down());
    let sign_in = Arc::new(SignIn::new(deps.clone(), Default::default()));
    let loyalty = Arc::new(Loyalty::new(deps.clone(), Arc::new(MockLoyaltyRepository::new())));
    let profile_view = Arc::new(ProfileView::new(
        deps.clone(),
        flows_for_deactivation.clone(),
        loyalty.clone(),
        None,
    ));
    AppState {
        metrics: None,
        tenants: Arc::new(Tenants::new(tenants.clone(), deps.clock.clone())),
        api_keys: Arc::new(ApiKeys::new(
            Arc::new(keys_down()),
            tenants,
            Arc::new(digester_matching_nothing()),
            deps.random.clone(),
            deps.clock.clone(),
        )),
        webhooks: Arc::new(clientele_domain::services::Webhooks::new(
            Arc::new(clientele_domain::ports::MockWebhookRepository::new()),
            Arc::new(tenants_down()),
            Arc::new(clientele_domain::ports::MockWebhookTransport::new()),
            Arc::new(MockSealer::new()),
            deps.random.clone(),
            deps.clock.clone(),
            Default::default(),
        )),
        app_users: Arc::new(AppUsers::new(deps.clone(), flows.clone())),
        loyalty: loyalty.clone(),
        personal_details: Arc::new(PersonalDetails::new(
            deps.clone(),
            flows_for_deactivation.clone(),
            profile_view.clone(),
            sign_in.clone(),
        )),
        profile_view,
        password_change: Arc::new(PasswordChange::new(deps.clone(), flows_for_deactivation.clone())),
        closing: closing.clone(),
        deactivation: Arc::new(Deactivation::new(
            deps.clone(),
            flows_for_deactivation.clone(),
            closing,
        )),
        audit: Arc::new(AuditView::new(Arc::new(MockAuditLog::new()))),
        deletion_requests: Arc::new(DeletionRequests::new(
            deps.clone(),
            flows_for_deactivation.clone(),
            Arc::new(MockDeletionRequestRepository::new()),
        )),
        key_limits: None,
        country_header: None,
        trusted_proxies: Default::default(),
        second_factor: Arc::new(SecondFactor::new(
            deps.clone(),
            flows_for_deactivation.clone(),
            sign_in.clone(),
            None,
            factor_ports(),
        )),
        sessions: Arc::new(clientele_domain::services::Sessions::new(
            deps.clone(),
            flows.clone(),
        )),
        factors: Arc::new(StrongFactors::new(deps.clone(), flows.clone(), factor_ports())),
        sign_in,
        profiles: Arc::new(Profiles::new(deps.clone(), flows.clone())),
        export: Arc::new(clientele_domain::services::DataExport::new(
            deps.clone(),
            flows.clone(),
            Arc::new(MockLoyaltyRepository::new()),
            Arc::new(clientele_domain::ports::MockOutbox::new()),
            Arc::new(MockDeletionRequestRepository::new()),
            Arc::new(EmailChange::new(deps.clone(), flows.clone())),
        )),
        email_change: Arc::new(EmailChange::new(deps.clone(), flows.clone())),
        templates: Arc::new(clientele_domain::services::TenantTemplates::new(
            flows.messages.clone(),
            deps.clock.clone(),
        )),
        imports: Arc::new(clientele_domain::services::Imports::new(
            deps.clone(),
            Arc::new(clientele_domain::ports::MockCustomerImports::new()),
            Arc::new(tenants_down()),
            Arc::new(clientele_domain::services::Onboarding::new(
                deps.clone(),
                flows.clone(),
            )),
            None,
        )),
        password_reset: Arc::new(PasswordReset::new(
            deps.clone(),
            flows.clone(),
            Arc::new(MockPassphraseTokens::new()),
        )),
        customer_search: Arc::new(clientele_domain::services::CustomerSearch::new(
            deps.clone(),
            flows.clone(),
            None,
        )),
        customers: Arc::new(Customers::new(deps, flows.clone(), Some(onboarding.clone()))),
        onboarding,
        outbox: Arc::new(OutboxView::new(Arc::new(MockOutbox::new()))),
        readiness: Arc::new(readiness),
        admin_token_sha256: clientele_security::sha256_hex("admin-token-admin-token").into(),
        body_limit: 1024,
        rate_limits: None,
    }
}

async fn call(state: AppState, request: atest::TestRequest) -> (u16, Option<String>, Value) {
    let service = atest::init_service(app(state)).await;
    let response = atest::call_service(&service, request.to_request()).await;
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = atest::read_body_json(response).await;
    (status, retry, body)
}

/// CL2C: a database that is down is a 503 in that surface's default shape, with Retry-After.
#[actix_web::test]
async fn cl2c_with_the_database_down_is_a_503_in_its_own_shape() {
    let state = state(
        MockAccountRepository::new(),
        MockSessionRepository::new(),
        MockReadiness::new(),
    );
    let key = format!("clk_{}_{}", "A".repeat(12), "b".repeat(32));
    let request = atest::TestRequest::put()
        .uri("/v1/cl2c/user")
        .insert_header(("tenant", "acme"))
        .insert_header(("X-API-Key", key.as_str()))
        .set_payload(r#"{"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "firstName": "John"}"#);
    let (status, retry, body) = call(state, request).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
    assert_eq!(body["statusCode"], 503, "{body}");
    assert_eq!(body["exception"], "ServiceUnavailable", "{body}");
    assert!(body.get("type").is_none(), "not a problem document: {body}");
    assert!(!body.to_string().contains("connection refused"), "{body}");
}

#[actix_web::test]
async fn readiness_reports_a_dead_database() {
    let mut readiness = MockReadiness::new();
    readiness.expect_ping().returning(|| Err(down()));
    let state = state(
        MockAccountRepository::new(),
        MockSessionRepository::new(),
        readiness,
    );
    let (status, retry, body) = call(state, atest::TestRequest::get().uri("/health/ready")).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
    assert_eq!(body["type"], "urn:clientele:problem:unavailable");
}

#[actix_web::test]
async fn sign_in_with_the_database_down_is_a_503() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_email().returning(|_, _| Err(down()));
    let state = state(accounts, MockSessionRepository::new(), MockReadiness::new());
    let request = atest::TestRequest::post()
        .uri("/customers/login")
        .set_payload(r#"{"email": "a@b.co", "password": "whatever"}"#);
    let (status, _, body) = call(state, request).await;
    assert_eq!(status, 503);
    assert!(
        !body.to_string().contains("connection refused"),
        "internals stay in the log: {body}"
    );
}

#[actix_web::test]
async fn token_check_with_the_database_down_is_a_503_not_a_401() {
    let mut sessions = MockSessionRepository::new();
    sessions.expect_find_active().returning(|_, _| Err(down()));
    let state = state(MockAccountRepository::new(), sessions, MockReadiness::new());
    let request = atest::TestRequest::get()
        .uri("/api/v2/my/profile")
        .insert_header(("Authorization", "Bearer some.jwt.token"));
    let (status, retry, _) = call(state, request).await;
    assert_eq!((status, retry.as_deref()), (503, Some("5")));
}

#[actix_web::test]
async fn the_configured_body_limit_is_enforced() {
    let state = state(
        MockAccountRepository::new(),
        MockSessionRepository::new(),
        MockReadiness::new(),
    );
    let request = atest::TestRequest::post()
        .uri("/customers/login")
        .set_payload(format!(r#"{{"email": "{}"}}"#, "a".repeat(2000)));
    let (status, _, body) = call(state, request).await;
    assert_eq!(status, 413, "{body}");
}

#[actix_web::test]
async fn password_reset_with_the_database_down_is_a_503_not_a_false_email_sent() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_email().returning(|_, _| Err(down()));
    let state = state(accounts, MockSessionRepository::new(), MockReadiness::new());
    let request = atest::TestRequest::post()
        .uri("/customers/password_reset")
        .set_payload(r#"{"email": "a@b.co", "reset_uri": "/customers/do_reset"}"#);
    let (status, _, _) = call(state, request).await;
    assert_eq!(status, 503, "never claim email_sent when nothing was recorded");
}

fn factor_ports() -> FactorPorts {
    FactorPorts {
        apps: Arc::new(clientele_domain::ports::MockAuthenticatorApps::new()),
        passkeys: Arc::new(clientele_domain::ports::MockPasskeys::new()),
        sealer: Arc::new(MockSealer::new()),
        party: Default::default(),
    }
}
