//! The account repository's contract.

use crate::support::*;

pub(crate) async fn round_trip_keeps_every_field(s: Stores) {
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

pub(crate) async fn lookups_stay_inside_the_tenant(s: Stores) {
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

pub(crate) async fn uniqueness_is_enforced_per_rule(s: Stores) {
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

pub(crate) async fn update_checks_the_version(s: Stores) {
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

pub(crate) async fn twenty_racing_writers_one_winner(s: Stores) {
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

pub(crate) async fn update_cannot_take_a_used_email(s: Stores) {
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

pub(crate) async fn sign_in_failures_count_atomically(s: Stores) {
    let mut account = full_account();
    account.sign_in = SignInThrottle::default();
    s.accounts.insert(&account).await.unwrap();
    let read_before = reloaded(&s, &account).await;
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
    // A whole-account write decided before the failures cannot write their count back.
    let mut stale = read_before.clone();
    stale.profile.nickname = Some(Name::from_stored("Stale".into()));
    assert_eq!(s.accounts.update(&stale).await, Err(StoreError::VersionMismatch));
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

pub(crate) async fn usernames_are_unique_per_tenant(s: Stores) {
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

/// Every key finds through its own lookup, newest first, within the tenant and the filters; a
/// page ends at a position the next one starts after.
pub(crate) async fn customers_are_found_by_every_key(s: Stores) {
    use clientele_domain::customer_search::{CustomerQuery, SearchKey, SearchPosition};
    let tenant = new_tenant().id;
    s.tenants
        .insert_tenant(&Tenant {
            id: tenant.clone(),
            ..new_tenant()
        })
        .await
        .unwrap();
    let tag = Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut made = Vec::new();
    for (i, first) in ["Zoe", "Zora", "Anna"].iter().enumerate() {
        let mut account = full_account();
        account.tenant = tenant.clone();
        account.email = Some(Email::parse(&format!("{}.{tag}@example.com", first.to_lowercase())).unwrap());
        account.profile.first_name = Some(Name::parse(first).unwrap());
        account.profile.last_name = Some(Name::parse(&format!("Smith{tag}")).unwrap());
        account.created_at = T0 + Duration::minutes(i as i64);
        s.accounts.insert(&account).await.unwrap();
        made.push(account);
    }
    // Same creation time as the newest: the numeric id orders them.
    let mut twin = full_account();
    twin.tenant = tenant.clone();
    twin.created_at = made[2].created_at;
    twin.status = AccountStatus::Deactivated;
    s.accounts.insert(&twin).await.unwrap();
    let query = |key: SearchKey| CustomerQuery {
        tenant: tenant.clone(),
        key,
        status: None,
        created_from: None,
        created_before: None,
        after: None,
        limit: 10,
    };
    let ids = |found: Vec<Account>| found.into_iter().map(|a| a.uuid).collect::<Vec<_>>();
    let search = |q: CustomerQuery| {
        let accounts = s.accounts.clone();
        async move { accounts.search(&q).await.unwrap() }
    };
    let mut newest_first = [made[2].clone(), twin.clone()];
    newest_first.sort_by_key(|a| std::cmp::Reverse(a.public_id.0));
    let everyone: Vec<AccountUuid> = newest_first
        .iter()
        .chain([&made[1], &made[0]])
        .map(|a| a.uuid)
        .collect();
    assert_eq!(ids(search(query(SearchKey::All)).await), everyone);
    assert_eq!(
        ids(search(query(SearchKey::EmailPrefix("zo".into()))).await),
        [made[1].uuid, made[0].uuid]
    );
    assert_eq!(
        ids(search(query(SearchKey::FirstNamePrefix("zor".into()))).await),
        [made[1].uuid]
    );
    assert_eq!(
        search(query(SearchKey::LastNamePrefix(format!("smith{tag}"))))
            .await
            .len(),
        3
    );
    let phone = made[0].profile.phone.as_ref().unwrap().as_str().to_owned();
    assert_eq!(ids(search(query(SearchKey::Phone(phone))).await), [made[0].uuid]);
    assert_eq!(
        ids(search(query(SearchKey::PublicId(made[1].public_id))).await),
        [made[1].uuid]
    );
    assert_eq!(
        ids(search(query(SearchKey::Uuid(made[2].uuid))).await),
        [made[2].uuid]
    );
    let external = made[0].external_id.clone().unwrap();
    assert_eq!(
        ids(search(query(SearchKey::ExternalId(external))).await),
        [made[0].uuid]
    );
    assert_eq!(
        ids(search(CustomerQuery {
            status: Some(AccountStatus::Deactivated),
            ..query(SearchKey::All)
        })
        .await),
        [twin.uuid]
    );
    assert_eq!(
        ids(search(CustomerQuery {
            created_from: Some(T0 + Duration::minutes(1)),
            created_before: Some(T0 + Duration::minutes(2)),
            ..query(SearchKey::All)
        })
        .await),
        [made[1].uuid]
    );
    // Pages of one, each after the last: everyone once, in order.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = search(CustomerQuery {
            after,
            limit: 1,
            ..query(SearchKey::All)
        })
        .await;
        let Some(last) = page.last() else { break };
        after = Some(SearchPosition::of(last));
        paged.extend(ids(page));
    }
    assert_eq!(paged, everyone);
    let other = TenantId::parse("other").unwrap();
    assert!(search(CustomerQuery {
        tenant: other,
        ..query(SearchKey::Uuid(made[2].uuid))
    })
    .await
    .is_empty());
    // A name beyond ASCII is found lower-cased as Rust does it, on every store; an erased
    // customer's placeholder address is found by no prefix, so it never fills a page.
    let mut accented = full_account();
    accented.tenant = tenant.clone();
    accented.profile.first_name = Some(Name::parse("Émile").unwrap());
    s.accounts.insert(&accented).await.unwrap();
    assert_eq!(
        ids(search(query(SearchKey::FirstNamePrefix("émi".into()))).await),
        [accented.uuid]
    );
    let mut erased = full_account();
    erased.tenant = tenant.clone();
    erased.status = AccountStatus::Erased;
    erased.email = Some(clientele_domain::account::erased_placeholder(erased.uuid));
    erased.profile.first_name = None;
    erased.profile.last_name = None;
    s.accounts.insert(&erased).await.unwrap();
    let placeholder = erased.uuid.0.simple().to_string();
    assert!(search(query(SearchKey::EmailPrefix(placeholder[..6].to_owned())))
        .await
        .is_empty());
    // An earlier system's id is the tenant's one customer's.
    let mut copy = full_account();
    copy.tenant = tenant.clone();
    copy.external_id = made[0].external_id.clone();
    assert_eq!(
        s.accounts.insert(&copy).await,
        Err(StoreError::Duplicate(UniqueKey::ExternalId))
    );
}

/// An imported hash is replaced once, only while the account still holds it: of two sign-ins
/// racing to replace it one wins, and a whole-account write read before cannot put it back.
pub(crate) async fn a_password_hash_is_replaced_only_while_held(s: Stores) {
    let mut account = full_account();
    account.password_hash = Some(PasswordHash::imported("pbkdf2_sha256$1000$salt$hash"));
    s.accounts.insert(&account).await.unwrap();
    let imported = account.password_hash.clone().unwrap();
    let replaced = join_all((0..8).map(|i| {
        let (accounts, from) = (s.accounts.clone(), imported.clone());
        async move {
            let to = PasswordHash::from_stored(format!("$2b$04$own{i}"));
            accounts
                .replace_password_hash(&tenant(), account.uuid, &from, &to)
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(replaced.iter().filter(|r| **r).count(), 1, "{replaced:?}");
    let stored = reloaded(&s, &account).await;
    assert!(stored
        .password_hash
        .as_ref()
        .unwrap()
        .as_str()
        .starts_with("$2b$04$own"));
    assert_eq!(stored.version, account.version + 1);
    assert_eq!(
        s.accounts.update(&account).await,
        Err(StoreError::VersionMismatch),
        "the account as read before cannot write the imported hash back"
    );
    let other_tenant = new_tenant().id;
    assert!(!s
        .accounts
        .replace_password_hash(
            &other_tenant,
            account.uuid,
            stored.password_hash.as_ref().unwrap(),
            &imported
        )
        .await
        .unwrap());
}

crate::contract_cases!(
    a_password_hash_is_replaced_only_while_held,
    customers_are_found_by_every_key,
    round_trip_keeps_every_field,
    lookups_stay_inside_the_tenant,
    uniqueness_is_enforced_per_rule,
    update_checks_the_version,
    twenty_racing_writers_one_winner,
    update_cannot_take_a_used_email,
    sign_in_failures_count_atomically,
    usernames_are_unique_per_tenant,
);
