use super::*;
use crate::messages::{StoredTemplate, TemplatePart, TemplateProblem, MASK};
use crate::ports::{MockMessageTemplates, MockSealer, MockTenantRepository};
use crate::services::support::test_support::{account, T0};
use crate::tenant::{Tenant, TenantSettings};

/// Ships English and German; renders a template's subject with the `code` variable after it,
/// its text as the variables' lines; fails a template whose subject is `broken`.
struct Renderer;

impl MessageRenderer for Renderer {
    fn shipped(&self, kind: MessageKind, language: &Language) -> Option<MessageTemplate> {
        ["en", "de"]
            .contains(&language.as_str())
            .then(|| MessageTemplate {
                subject: format!("shipped {kind} {language}"),
                text: String::new(),
                html: Some(String::new()),
            })
    }

    fn render(&self, template: &MessageTemplate, variables: &Variables) -> Result<Composed, TemplateProblem> {
        if template.subject == "broken" {
            return Err(TemplateProblem {
                part: TemplatePart::Text,
                line: Some(2),
                message: format!("cannot use {}", variables.get("code").unwrap_or_default()),
            });
        }
        let label = |name: &str| {
            if name == "code" {
                "Code".to_owned()
            } else {
                name.to_owned()
            }
        };
        let text: String = variables
            .iter()
            .map(|(n, v)| format!("{}: {v}\n", label(n)))
            .collect();
        // The shipped subjects carry the code, as a careless template might: only the masked
        // copy's subject may be kept.
        let code = if template.subject.starts_with("shipped") {
            variables.get("code").unwrap_or_default()
        } else {
            ""
        };
        Ok(Composed {
            subject: format!("{} {code}", template.subject).trim_end().to_owned(),
            html: Some(text.clone()),
            text,
        })
    }
}

fn own(language: &str, subject: &str) -> StoredTemplate {
    StoredTemplate {
        tenant: TenantId::default_tenant(),
        kind: MessageKind::PasswordReset,
        language: Language::parse(language).unwrap(),
        template: MessageTemplate {
            subject: subject.into(),
            text: String::new(),
            html: Some(String::new()),
        },
        updated_at: T0,
    }
}

fn messages(templates: Vec<StoredTemplate>, default_language: Option<&str>) -> Messages {
    let mut tenants = MockTenantRepository::new();
    let default_language = default_language.and_then(Language::parse);
    tenants.expect_get_tenant().returning(move |id| {
        let mut settings = TenantSettings::default();
        settings.messages.brand_name = Some("Acme".into());
        settings.messages.reply_to = Some("care@acme.example".into());
        settings.messages.default_language = default_language.clone();
        Ok(Some(Tenant {
            id: id.clone(),
            name: "Acme Inc.".into(),
            settings,
            created_at: T0,
        }))
    });
    let mut stored = MockMessageTemplates::new();
    stored
        .expect_templates_of_kind()
        .returning(move |_, _| Ok(templates.clone()));
    let mut sealer = MockSealer::new();
    // Shows what it seals, so a test can tell which copy carries a secret.
    sealer.expect_seal().returning(|t| format!("sealed[{t}]"));
    Messages {
        renderer: Arc::new(Renderer),
        templates: Arc::new(stored),
        ..crate::services::support::test_support::messages(tenants, sealer)
    }
}

const RESET: Content<'static> = Content::PasswordReset {
    name: "Ada",
    code: "8KY0CX0LAR",
    link: "https://x.example/r/8KY0CX0LAR",
};

async fn rendered(messages: &Messages, language: Option<&str>) -> Rendered {
    messages
        .render(&TenantId::default_tenant(), language, &RESET)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_tenants_own_template_in_the_first_language_that_has_one() {
    let m = messages(vec![own("fr", "own fr"), own("en", "own en")], Some("fr"));
    // The customer's language, the tenant's own.
    assert_eq!(rendered(&m, Some("fr")).await.language.as_str(), "fr");
    // German: shipped, before the tenant's default.
    let de = rendered(&m, Some("de")).await;
    assert_eq!(de.composed.subject, format!("shipped password_reset de {MASK}"));
    // Japanese: nothing in it, the tenant's default (its own French).
    let ja = rendered(&m, Some("ja")).await;
    assert_eq!(
        (ja.language.as_str(), ja.composed.subject.as_str()),
        ("fr", "own fr")
    );
    // No default: English, the tenant's own.
    let m = messages(vec![own("en", "own en")], None);
    assert_eq!(rendered(&m, Some("ja")).await.composed.subject, "own en");
}

#[tokio::test]
async fn the_subject_and_the_back_offices_copy_never_carry_the_secret() {
    let m = messages(vec![], None);
    let r = rendered(&m, None).await;
    assert!(
        !r.composed.subject.contains("8KY0CX0LAR"),
        "{}",
        r.composed.subject
    );
    assert!(
        r.composed.text.contains("Code: 8KY0CX0LAR"),
        "the clear text has it"
    );
    assert!(!r.masked_text.contains("8KY0CX0LAR") && r.masked_text.contains(MASK));
    assert_eq!(r.branding.brand, "Acme");
}

#[tokio::test]
async fn a_tenant_template_that_drops_the_code_gives_way_to_the_shipped_one_in_its_language() {
    /// Renders the tenant's `fr` template without the code line.
    struct DropsTheCode;
    impl MessageRenderer for DropsTheCode {
        fn shipped(&self, kind: MessageKind, language: &Language) -> Option<MessageTemplate> {
            Renderer.shipped(kind, language)
        }
        fn render(
            &self,
            template: &MessageTemplate,
            variables: &Variables,
        ) -> Result<Composed, TemplateProblem> {
            let mut composed = Renderer.render(template, variables)?;
            if template.subject == "own fr" {
                composed.text = "no code here\n".into();
            }
            Ok(composed)
        }
    }
    let mut m = messages(vec![own("fr", "own fr")], None);
    m.renderer = Arc::new(DropsTheCode);
    let r = rendered(&m, Some("fr")).await;
    assert_eq!(r.composed.subject, format!("shipped password_reset en {MASK}"));
    assert_eq!(r.language.as_str(), "en", "the language of the words sent");
    assert!(r.composed.text.contains("Code: 8KY0CX0LAR"));
}

#[tokio::test]
async fn a_broken_template_of_the_tenant_gives_way_to_the_shipped_one() {
    let m = messages(vec![own("en", "broken")], None);
    let r = rendered(&m, Some("en")).await;
    assert_eq!(r.composed.subject, format!("shipped password_reset en {MASK}"));
}

#[tokio::test]
async fn a_message_is_sealed_with_its_sender_language_and_reply_to() {
    let m = messages(vec![], Some("de"));
    let deps = crate::services::support::test_support::deps_with(
        crate::ports::MockAccountRepository::new(),
        crate::ports::MockSessionRepository::new(),
        crate::ports::MockPasswordHasher::new(),
    );
    let message = m
        .message(&deps, &account(), "ann@example.com", &RESET, T0)
        .await
        .unwrap();
    assert_eq!(message.sender.as_deref(), Some("\"Acme\" <no-reply@localhost>"));
    assert_eq!(message.reply_to.as_deref(), Some("care@acme.example"));
    assert_eq!(message.language.as_deref(), Some("de"));
    assert!(
        message.sealed_body.contains("8KY0CX0LAR"),
        "the sealed body carries the code"
    );
    assert!(!message.masked_text.contains("8KY0CX0LAR") && !message.subject.contains("8KY0CX0LAR"));
    // A failure names where it failed, never what the renderer said (it may quote a value).
    let broken = messages(vec![own("en", "broken"), own("de", "broken")], None);
    let mut shipped_none = broken.clone();
    shipped_none.renderer = Arc::new(NothingShipped);
    let error = shipped_none
        .render(&TenantId::default_tenant(), Some("en"), &RESET)
        .await
        .err()
        .expect("no template renders");
    match error {
        DomainError::Unavailable(reason) => {
            assert!(
                reason.contains("line 2") && !reason.contains("8KY0CX0LAR"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// Ships only templates that fail.
struct NothingShipped;

impl MessageRenderer for NothingShipped {
    fn shipped(&self, _: MessageKind, _: &Language) -> Option<MessageTemplate> {
        Some(MessageTemplate {
            subject: "broken".into(),
            text: String::new(),
            html: Some(String::new()),
        })
    }

    fn render(&self, template: &MessageTemplate, variables: &Variables) -> Result<Composed, TemplateProblem> {
        Renderer.render(template, variables)
    }
}
