//! Fixtures for the use-case unit tests.

use std::sync::Arc;

use time::macros::datetime;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::account::{Account, AccountStatus, AccountUuid, PublicId};
use crate::ports::{
    MockAccessTokens, MockAccountRepository, MockAuditLog, MockClock, MockFlowRepository, MockPasswordHasher,
    MockRandomness, MockRequestContext, MockSealer, MockSecretDigester, MockSessionRepository,
    MockTenantRepository, MockUnitOfWork,
};
use crate::profile::Profile;
use crate::services::{Deps, FlowDeps, LinkSettings};
use crate::sign_in_throttle::SignInThrottle;
use crate::tenant::TenantId;
use crate::values::{Email, PasswordHash};

pub const T0: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

pub fn account() -> Account {
    Account {
        uuid: AccountUuid(Uuid::from_u128(7)),
        public_id: PublicId(58_937_470_420_006),
        tenant: TenantId::default_tenant(),
        status: AccountStatus::Active,
        email: Some(Email::parse("ann@example.com").unwrap()),
        email_confirmed: true,
        email_temporary: false,
        password_hash: Some(PasswordHash::from_stored("$2b$04$real".into())),
        two_factor: false,
        factors: Default::default(),
        external_id: None,
        profile: Profile::default(),
        sign_in: SignInThrottle::default(),
        created_at: T0,
        updated_at: T0,
        version: 3,
    }
}

/// Deps with a fixed clock, counting randomness and a token signer that always succeeds.
pub fn deps_with(
    accounts: MockAccountRepository,
    sessions: MockSessionRepository,
    passwords: MockPasswordHasher,
) -> Deps {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(T0);
    let mut random = MockRandomness::new();
    let mut next = 0u128;
    random.expect_uuid().returning(move || {
        next += 1;
        Uuid::from_u128(1000 + next)
    });
    random.expect_int_in().returning(|min, _| min);
    random.expect_string_from().returning(|_, len| "a".repeat(len));
    let mut tokens = MockAccessTokens::new();
    tokens.expect_issue().returning(|_| Ok("signed-token".into()));
    let mut audit = MockAuditLog::new();
    audit.expect_append().returning(|_| Ok(()));
    let mut request = MockRequestContext::new();
    request.expect_request_id().returning(|| Some("request-1".into()));
    request
        .expect_client_address()
        .returning(|| Some("192.0.2.7".into()));
    request
        .expect_device()
        .returning(|| Some("Firefox on Windows 10".into()));
    Deps {
        accounts: Arc::new(accounts),
        sessions: Arc::new(sessions),
        passwords: Arc::new(passwords),
        tokens: Arc::new(tokens),
        clock: Arc::new(clock),
        random: Arc::new(random),
        audit: Arc::new(audit),
        request: Arc::new(request),
        turns: Default::default(),
    }
}

/// Flow deps committing through `commits`, reading tenants from `tenants`, with a sealer that
/// says how long the sealed text was and default settings.
pub fn flow_deps(commits: MockUnitOfWork, mut tenants: MockTenantRepository) -> FlowDeps {
    // Any other tenant read (a message's branding): one with no settings.
    tenants.expect_get_tenant().returning(|_| Ok(None));
    let mut sealer = MockSealer::new();
    sealer.expect_seal().returning(|t| format!("sealed {}", t.len()));
    FlowDeps::new(
        crate::services::FlowPorts {
            flows: Arc::new(MockFlowRepository::new()),
            commits: Arc::new(commits),
            digester: Arc::new(MockSecretDigester::new()),
            sealer: Arc::new(sealer),
            tenants: Arc::new(tenants),
            renderer: Arc::new(crate::services::support::test_support::LinesRenderer),
            templates: Arc::new(crate::services::support::test_support::no_templates()),
            branding: crate::messages::InstanceBranding::from_config("Clientele <no-reply@localhost>", None),
        },
        crate::flow::FlowSettings::default(),
        LinkSettings {
            public_url: "http://127.0.0.1:8080".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        },
    )
}

/// Renders every variable on a line of its own, the secrets as API clients read them
/// (`Code: …`, `Secret: …`): for unit tests that read what a message says. The real templates
/// are tested in the renderer's crate and end to end.
pub struct LinesRenderer;

impl crate::ports::MessageRenderer for LinesRenderer {
    fn shipped(
        &self,
        kind: crate::messages::MessageKind,
        _language: &crate::messages::Language,
    ) -> Option<crate::messages::MessageTemplate> {
        Some(crate::messages::MessageTemplate {
            subject: kind.as_str().to_owned(),
            text: String::new(),
            html: (kind.channel() == crate::flow::Channel::Email).then(String::new),
        })
    }

    fn render(
        &self,
        template: &crate::messages::MessageTemplate,
        variables: &crate::messages::Variables,
    ) -> Result<crate::messages::Composed, crate::messages::TemplateProblem> {
        let label = |name: &str| match name {
            "identifier" => "Identifier".to_owned(),
            "secret" => "Secret".to_owned(),
            "key" => "Key".to_owned(),
            "code" => "Code".to_owned(),
            other => other.to_owned(),
        };
        let text: String = variables
            .iter()
            .map(|(n, v)| format!("{}: {v}\n", label(n)))
            .collect();
        Ok(crate::messages::Composed {
            subject: template.subject.clone(),
            html: template.html.as_ref().map(|_| text.clone()),
            text,
        })
    }
}

/// A tenant that wrote no templates of its own.
pub fn no_templates() -> crate::ports::MockMessageTemplates {
    let mut templates = crate::ports::MockMessageTemplates::new();
    templates
        .expect_templates_of_kind()
        .returning(|_, _| Ok(Vec::new()));
    templates
}

/// Messages over `tenants` and `sealer`, rendered by [`LinesRenderer`].
pub fn messages(
    tenants: crate::ports::MockTenantRepository,
    sealer: crate::ports::MockSealer,
) -> crate::services::Messages {
    crate::services::Messages {
        sealer: Arc::new(sealer),
        links: LinkSettings {
            public_url: "https://id.example.com".into(),
            allowed_origins: Vec::new(),
            tenant: None,
        },
        tenants: Arc::new(tenants),
        renderer: Arc::new(LinesRenderer),
        templates: Arc::new(no_templates()),
        branding: crate::messages::InstanceBranding::from_config("Clientele <no-reply@localhost>", None),
        code_ttl: time::Duration::minutes(10),
    }
}
