//! Tenants' own message templates: saved per tenant, kind and language, replaced by a second
//! save, listed, removed; never another tenant's.

use crate::support::*;

fn template(tenant: &TenantId, kind: MessageKind, language: &str, subject: &str) -> StoredTemplate {
    StoredTemplate {
        tenant: tenant.clone(),
        kind,
        language: Language::parse(language).unwrap(),
        template: MessageTemplate {
            subject: subject.into(),
            text: "Hello {{ name }}\nCode: {{ code }}\n".into(),
            html: (kind != MessageKind::SmsCode).then(|| "<p>{{ name }}</p>".into()),
        },
        updated_at: datetime!(2026-12-07 10:00 UTC),
    }
}

pub(crate) async fn templates_are_kept_per_tenant_kind_and_language(s: Stores) {
    let acme = new_tenant();
    s.tenants.insert_tenant(&acme).await.unwrap();
    let other = new_tenant();
    s.tenants.insert_tenant(&other).await.unwrap();
    let (reset, reset_de) = (
        template(&acme.id, MessageKind::PasswordReset, "en", "Reset"),
        template(&acme.id, MessageKind::PasswordReset, "de", "Zurücksetzen"),
    );
    let sms = template(&acme.id, MessageKind::SmsCode, "en", "");
    for t in [&reset, &reset_de, &sms] {
        s.templates.put_template(t).await.unwrap();
    }
    s.templates
        .put_template(&template(&other.id, MessageKind::PasswordReset, "en", "Other"))
        .await
        .unwrap();

    let mut of_kind = s
        .templates
        .templates_of_kind(&acme.id, MessageKind::PasswordReset)
        .await
        .unwrap();
    of_kind.sort_by(|a, b| a.language.cmp(&b.language));
    assert_eq!(of_kind, [reset_de.clone(), reset.clone()]);
    let listed = s.templates.list_templates(&acme.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed.contains(&sms),
        "a text message's template has no HTML part: {listed:?}"
    );

    // A second save replaces the first.
    let mut again = reset.clone();
    again.template.subject = "Reset, again".into();
    again.updated_at = datetime!(2026-12-07 11:00 UTC);
    s.templates.put_template(&again).await.unwrap();
    let of_kind = s
        .templates
        .templates_of_kind(&acme.id, MessageKind::PasswordReset)
        .await
        .unwrap();
    assert_eq!(of_kind.len(), 2);
    assert!(of_kind.contains(&again));

    let english = Language::english();
    assert!(s
        .templates
        .delete_template(&acme.id, MessageKind::PasswordReset, &english)
        .await
        .unwrap());
    assert!(!s
        .templates
        .delete_template(&acme.id, MessageKind::PasswordReset, &english)
        .await
        .unwrap());
    let of_kind = s
        .templates
        .templates_of_kind(&acme.id, MessageKind::PasswordReset)
        .await
        .unwrap();
    assert_eq!(of_kind, [reset_de]);
    // The other tenant's is untouched.
    let theirs = s
        .templates
        .templates_of_kind(&other.id, MessageKind::PasswordReset)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].template.subject, "Other");
}

/// Saves of one template at once all succeed; the template is one of them.
pub(crate) async fn concurrent_saves_of_one_template_all_succeed(s: Stores) {
    let acme = new_tenant();
    s.tenants.insert_tenant(&acme).await.unwrap();
    let saves = (0..8).map(|i| {
        let s = s.clone();
        let t = template(&acme.id, MessageKind::Activation, "en", &format!("Save {i}"));
        async move { s.templates.put_template(&t).await }
    });
    for result in join_all(saves).await {
        result.unwrap();
    }
    let kept = s
        .templates
        .templates_of_kind(&acme.id, MessageKind::Activation)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].template.subject.starts_with("Save "));
}

crate::contract_cases!(
    templates_are_kept_per_tenant_kind_and_language,
    concurrent_saves_of_one_template_all_succeed,
);
