//! Tenants, their API keys, and the values generated once per installation.

use crate::support::*;

pub(crate) async fn instance_secrets_are_set_once(s: Stores) {
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

pub(crate) async fn tenants_keep_their_settings_and_their_own_customers(s: Stores) {
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
        operator_email: Some("ops@acme.example".into()),
        messages: MessageSettings {
            sender_name: Some("Acme Shop".into()),
            sender_address: Some("hello@acme.example".into()),
            reply_to: Some("care@acme.example".into()),
            brand_name: Some("Acme".into()),
            logo_url: Some("https://acme.example/logo.png".into()),
            accent_color: Some("#0b5cad".into()),
            default_language: Language::parse("de"),
            support: Some("https://acme.example/help".into()),
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

pub(crate) async fn api_keys_are_found_by_prefix_and_revoked_once(s: Stores) {
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

crate::contract_cases!(
    instance_secrets_are_set_once,
    tenants_keep_their_settings_and_their_own_customers,
    api_keys_are_found_by_prefix_and_revoked_once,
);
