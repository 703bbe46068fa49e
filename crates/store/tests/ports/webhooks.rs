//! Webhook endpoints and deliveries: events written with the commits that announce them, to the
//! endpoints that receive them; one customer's events to one endpoint in commit order; outcomes
//! recorded under the claim; an erased customer's events emptied.

use crate::support::*;
use clientele_domain::webhooks::DueDelivery;
use serde_json::json;

/// A tenant of the case's own (the cases may share one database, and the default tenant's
/// commits must not reach these endpoints).
pub(crate) async fn own_tenant(s: &Stores) -> TenantId {
    let id = TenantId::parse(&format!("hooks-{}", &Uuid::new_v4().simple().to_string()[..12])).unwrap();
    s.tenants
        .insert_tenant(&Tenant {
            id: id.clone(),
            name: "Hooks".into(),
            settings: TenantSettings::default(),
            created_at: T0,
        })
        .await
        .unwrap();
    id
}

fn endpoint(tenant: &TenantId, events: EventFilter) -> Endpoint {
    Endpoint {
        id: WebhookId(Uuid::new_v4()),
        tenant: tenant.clone(),
        url: "https://hooks.example.com/in".into(),
        events,
        description: Some("CRM".into()),
        sealed_secret: "sealed-secret".into(),
        previous_secret: None,
        created_at: T0,
        updated_at: T0,
        disabled_at: None,
        failing_since: None,
    }
}

fn tried(at: OffsetDateTime, status: u16) -> Attempt {
    Attempt {
        at,
        status_code: Some(status),
        duration_ms: 12,
        error: (status >= 300).then(|| format!("the endpoint answered {status}")),
    }
}

async fn claim(s: &Stores, at: OffsetDateTime) -> (ClaimId, Vec<DueDelivery>) {
    let claim = ClaimId(Uuid::new_v4());
    let due = s
        .webhooks
        .claim_due(at, Duration::seconds(45), 50, claim, &[], 4)
        .await
        .unwrap();
    (claim, due)
}

pub(crate) async fn commits_announce_to_the_endpoints_that_receive_in_commit_order(s: Stores) {
    let tenant = own_tenant(&s).await;
    let all = endpoint(&tenant, EventFilter::All);
    let created_only = endpoint(&tenant, EventFilter::Only(vec![EventType::CustomerCreated]));
    let mut disabled = endpoint(&tenant, EventFilter::All);
    disabled.disabled_at = Some(T0);
    for e in [&all, &created_only, &disabled] {
        s.webhooks.create_endpoint(e).await.unwrap();
    }
    let mut listed = s.webhooks.endpoints(&tenant).await.unwrap();
    listed.sort_by_key(|e| e.id);
    let mut expected = vec![all.clone(), created_only.clone(), disabled.clone()];
    expected.sort_by_key(|e| e.id);
    assert_eq!(listed, expected);

    let mut account = full_account();
    account.tenant = tenant.clone();
    s.commits
        .commit(Commit::at(T0).inserting(&account))
        .await
        .unwrap();
    let updated = Event::about(
        &account,
        EventType::CustomerUpdated,
        json!({"fields": ["nickname"]}),
        T0,
    );
    s.commits
        .commit(
            Commit::at(T0 + Duration::seconds(1))
                .updating(account.clone())
                .announcing(updated.clone()),
        )
        .await
        .unwrap();
    // A commit that is not written announces nothing.
    let stale = s
        .commits
        .commit(Commit::at(T0).updating(account.clone()).announcing(updated))
        .await;
    assert_eq!(stale, Err(StoreError::VersionMismatch));

    // Each endpoint gets the customer's first event first; the second waits for it.
    let (first_claim, due) = claim(&s, T0 + Duration::seconds(2)).await;
    let mut kinds: Vec<(WebhookId, EventType)> =
        due.iter().map(|d| (d.endpoint.id, d.event.event.kind)).collect();
    kinds.sort();
    let mut want = vec![
        (all.id, EventType::CustomerCreated),
        (created_only.id, EventType::CustomerCreated),
    ];
    want.sort();
    assert_eq!(kinds, want);
    for d in &due {
        assert_eq!(d.event.customer_id, Some(account.public_id.0));
        assert_eq!(d.event.event.account, Some(account.uuid));
        assert!(d.event.id.starts_with("evt_"));
    }
    assert_eq!(
        due[0].event.id, due[1].event.id,
        "one event, the same webhook-id at every endpoint"
    );
    assert!(
        claim(&s, T0 + Duration::seconds(3)).await.1.is_empty(),
        "claimed, and in order"
    );

    let to_all = due.iter().find(|d| d.endpoint.id == all.id).unwrap();
    let to_created = due.iter().find(|d| d.endpoint.id == created_only.id).unwrap();
    let retry_at = T0 + Duration::seconds(10);
    let failed = FailedDelivery {
        attempt: tried(T0 + Duration::seconds(2), 500),
        next: Retrying::At(retry_at),
        disable_endpoint: None,
    };
    let elsewhere = ClaimId(Uuid::new_v4());
    assert!(!s
        .webhooks
        .record_failure(to_all.delivery.id, elsewhere, &failed)
        .await
        .unwrap());
    assert!(s
        .webhooks
        .record_failure(to_all.delivery.id, first_claim, &failed)
        .await
        .unwrap());
    assert!(s
        .webhooks
        .record_success(
            to_created.delivery.id,
            first_claim,
            &tried(T0 + Duration::seconds(2), 204)
        )
        .await
        .unwrap());
    let failing = s.webhooks.endpoint(&tenant, all.id).await.unwrap().unwrap();
    assert_eq!(failing.failing_since, Some(T0 + Duration::seconds(2)));
    assert!(
        claim(&s, T0 + Duration::seconds(5)).await.1.is_empty(),
        "the update waits behind the created event's retry"
    );

    let (again, due) = claim(&s, retry_at).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].delivery.attempts.len(), 1);
    assert!(s
        .webhooks
        .record_success(due[0].delivery.id, again, &tried(retry_at, 200))
        .await
        .unwrap());
    assert_eq!(
        s.webhooks
            .endpoint(&tenant, all.id)
            .await
            .unwrap()
            .unwrap()
            .failing_since,
        None
    );
    let (last, due) = claim(&s, retry_at).await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].event.event.kind, EventType::CustomerUpdated);
    assert_eq!(due[0].event.event.data.get("fields"), Some(&json!(["nickname"])));
    let abandon = FailedDelivery {
        attempt: tried(retry_at, 410),
        next: Retrying::GiveUp,
        disable_endpoint: None,
    };
    assert!(s
        .webhooks
        .record_failure(due[0].delivery.id, last, &abandon)
        .await
        .unwrap());

    let listed = s.webhooks.deliveries(&tenant, all.id, None, 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|d| (d.event_type, d.status))
            .collect::<Vec<_>>(),
        vec![
            (EventType::CustomerUpdated, WebhookStatus::Abandoned),
            (EventType::CustomerCreated, WebhookStatus::Delivered),
        ]
    );
    assert_eq!(
        listed[1]
            .attempts
            .iter()
            .map(|a| a.status_code)
            .collect::<Vec<_>>(),
        vec![Some(500), Some(200)]
    );
    assert_eq!(listed[1].delivered_at, Some(retry_at));
    let abandoned = s
        .webhooks
        .deliveries(&tenant, all.id, Some(WebhookStatus::Abandoned), 10)
        .await
        .unwrap();
    assert_eq!(abandoned.len(), 1);

    // A manual retry: pending again, due now; not while pending; not another's.
    let now = T0 + Duration::minutes(5);
    assert_eq!(
        s.webhooks
            .retry(&tenant, all.id, abandoned[0].id, now)
            .await
            .unwrap(),
        Some(true)
    );
    assert_eq!(
        s.webhooks
            .retry(&tenant, all.id, abandoned[0].id, now)
            .await
            .unwrap(),
        Some(false)
    );
    assert_eq!(
        s.webhooks
            .retry(&tenant, created_only.id, abandoned[0].id, now)
            .await
            .unwrap(),
        None
    );
    let (count, oldest) = s.webhooks.backlog().await.unwrap();
    assert!(count >= 1 && oldest.is_some());

    // Erasing the customer empties the events still on their way.
    let mut erased = account.clone();
    erased.version += 1;
    erased.status = AccountStatus::Erased;
    s.commits
        .commit(Commit::at(now).erasing(erased, None))
        .await
        .unwrap();
    let (_, due) = claim(&s, now).await;
    let retried = due.iter().find(|d| d.delivery.id == abandoned[0].id).unwrap();
    assert!(
        retried.event.event.data.is_empty(),
        "{:?}",
        retried.event.event.data
    );
    assert_eq!(retried.event.customer_id, Some(account.public_id.0), "ids stay");

    for e in [&all, &created_only, &disabled] {
        assert!(s.webhooks.delete_endpoint(&tenant, e.id).await.unwrap());
    }
    assert!(!s.webhooks.delete_endpoint(&tenant, all.id).await.unwrap());
    assert!(s
        .webhooks
        .deliveries(&tenant, all.id, None, 10)
        .await
        .unwrap()
        .is_empty());
}

pub(crate) async fn an_endpoint_failing_for_long_is_disabled_once_with_its_notice(s: Stores) {
    let tenant = own_tenant(&s).await;
    let hook = endpoint(&tenant, EventFilter::All);
    s.webhooks.create_endpoint(&hook).await.unwrap();
    let test = Event {
        tenant: tenant.clone(),
        account: None,
        kind: EventType::WebhookTest,
        data: Default::default(),
        at: T0,
    };
    let first = s.webhooks.enqueue(&hook, &test).await.unwrap();
    let second = s.webhooks.enqueue(&hook, &test).await.unwrap();
    let (held, due) = claim(&s, T0).await;
    let mine: Vec<_> = due.iter().filter(|d| d.endpoint.id == hook.id).collect();
    assert_eq!(
        mine.len(),
        2,
        "events without a customer are not ordered behind each other"
    );
    assert_ne!(mine[0].event.id, mine[1].event.id);
    let notice = OutboundMessage {
        tenant: tenant.clone(),
        ..message_to("ops@hooks.example", T0)
    };
    let failing = |at: OffsetDateTime, by: OffsetDateTime| FailedDelivery {
        attempt: tried(at, 502),
        next: Retrying::At(at + Duration::minutes(1)),
        disable_endpoint: Some(Disabling {
            failing_since_by: by,
            notice: Some(notice.clone()),
        }),
    };
    // The streak begins with this failure: too late to be disabled for it.
    assert!(s
        .webhooks
        .record_failure(first, held, &failing(T0, T0 - Duration::days(3)))
        .await
        .unwrap());
    let stored = s.webhooks.endpoint(&tenant, hook.id).await.unwrap().unwrap();
    assert_eq!((stored.failing_since, stored.disabled_at), (Some(T0), None));
    let later = T0 + Duration::days(3);
    assert!(s
        .webhooks
        .record_failure(second, held, &failing(later, later - Duration::days(3)))
        .await
        .unwrap());
    let stored = s.webhooks.endpoint(&tenant, hook.id).await.unwrap().unwrap();
    assert_eq!(stored.disabled_at, Some(later));
    let notices = s.outbox.list(&tenant, None, None, 10).await.unwrap();
    assert_eq!(notices.len(), 1, "told once");
    // A change made on the endpoint as read before the disabling does not undo it.
    let stale = hook.changed(
        clientele_domain::webhooks::EndpointChange {
            description: Some(Some("renamed".into())),
            ..Default::default()
        },
        later,
    );
    assert!(!s.webhooks.update_endpoint(&hook, &stale).await.unwrap());
    assert_eq!(
        s.webhooks.endpoint(&tenant, hook.id).await.unwrap().unwrap(),
        stored
    );
    assert!(
        claim(&s, later + Duration::hours(2))
            .await
            .1
            .iter()
            .all(|d| d.endpoint.id != hook.id),
        "nothing goes to a disabled endpoint"
    );
    let enabled = stored.changed(
        clientele_domain::webhooks::EndpointChange {
            disabled: Some(false),
            ..Default::default()
        },
        later + Duration::hours(1),
    );
    assert!(s.webhooks.update_endpoint(&stored, &enabled).await.unwrap());
    let again = s.webhooks.endpoint(&tenant, hook.id).await.unwrap().unwrap();
    assert_eq!(
        (again.disabled_at, again.failing_since),
        (None, None),
        "the streak is over"
    );
    let pending = s
        .webhooks
        .deliveries(&tenant, hook.id, Some(WebhookStatus::Pending), 10)
        .await
        .unwrap();
    assert!(
        pending
            .iter()
            .all(|d| d.window_from == later + Duration::hours(1)),
        "a fresh window"
    );
    assert_eq!(
        s.webhooks
            .claim_due(
                later + Duration::hours(2),
                Duration::seconds(45),
                50,
                ClaimId(Uuid::new_v4()),
                &[hook.id],
                4
            )
            .await
            .unwrap()
            .iter()
            .filter(|d| d.endpoint.id == hook.id)
            .count(),
        0,
        "skipped"
    );
    let (_, due) = claim(&s, later + Duration::hours(2)).await;
    assert_eq!(due.iter().filter(|d| d.endpoint.id == hook.id).count(), 2);
    assert!(s.webhooks.delete_endpoint(&tenant, hook.id).await.unwrap());
}

pub(crate) async fn ended_deliveries_are_forgotten_after_their_keeping(s: Stores) {
    let tenant = own_tenant(&s).await;
    let hook = endpoint(&tenant, EventFilter::All);
    s.webhooks.create_endpoint(&hook).await.unwrap();
    let test_at = |at: OffsetDateTime| Event {
        tenant: tenant.clone(),
        account: None,
        kind: EventType::WebhookTest,
        data: Default::default(),
        at,
    };
    let old_delivered = s.webhooks.enqueue(&hook, &test_at(T0)).await.unwrap();
    let old_pending = s.webhooks.enqueue(&hook, &test_at(T0)).await.unwrap();
    let later = T0 + Duration::days(40);
    let recent = s.webhooks.enqueue(&hook, &test_at(later)).await.unwrap();
    let (held, due) = claim(&s, later).await;
    for id in [old_delivered, recent] {
        assert!(due.iter().any(|d| d.delivery.id == id));
        assert!(s
            .webhooks
            .record_success(id, held, &tried(later, 200))
            .await
            .unwrap());
    }
    // Ended 40 days after it was made: kept for 30 days from then, not from its making.
    assert!(s.webhooks.prune(later - Duration::days(30)).await.unwrap() <= 1);
    assert_eq!(
        s.webhooks
            .deliveries(&tenant, hook.id, None, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(s.webhooks.prune(later + Duration::seconds(1)).await.unwrap() >= 2);
    let mut left: Vec<_> = s
        .webhooks
        .deliveries(&tenant, hook.id, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    left.sort_by_key(|id| id.0);
    assert_eq!(left, vec![old_pending], "a pending delivery is kept, however old");
    assert!(s.webhooks.delete_endpoint(&tenant, hook.id).await.unwrap());
}

/// A plain edit of a tenant whose endpoints receive none of its events is written on its own (a
/// store may hold what endpoints receive): still version-checked, and every change of the
/// endpoints counts from the next edit on.
pub(crate) async fn an_edit_is_announced_to_the_endpoints_that_receive_it_from_their_next_change_on(
    s: Stores,
) {
    let tenant = own_tenant(&s).await;
    let mut account = full_account();
    account.tenant = tenant.clone();
    s.commits
        .commit(Commit::at(T0).inserting(&account))
        .await
        .unwrap();
    let mut at = T0;
    // Commits an edit of the account (its version follows); what the store answered.
    let mut edit = |account: &mut Account| {
        at += Duration::seconds(1);
        let updated = Event::about(
            account,
            EventType::CustomerUpdated,
            json!({"fields": ["nickname"]}),
            at,
        );
        let commit = Commit::at(at).updating(account.clone()).announcing(updated);
        account.version += 1;
        let commits = s.commits.clone();
        async move { commits.commit(commit).await }
    };
    let updates = |endpoint: WebhookId| {
        let (webhooks, tenant) = (s.webhooks.clone(), tenant.clone());
        async move {
            webhooks
                .deliveries(&tenant, endpoint, None, 50)
                .await
                .unwrap()
                .iter()
                .filter(|d| d.event_type == EventType::CustomerUpdated)
                .count()
        }
    };

    edit(&mut account).await.unwrap();
    let mut stale = account.clone();
    stale.version -= 1;
    assert_eq!(
        edit(&mut stale).await,
        Err(StoreError::VersionMismatch),
        "an edit no endpoint receives is version-checked all the same"
    );

    // Each change below follows an edit that read the endpoints as they were before it.
    let hook = endpoint(&tenant, EventFilter::Only(vec![EventType::CustomerCreated]));
    s.webhooks.create_endpoint(&hook).await.unwrap();
    edit(&mut account).await.unwrap();
    assert_eq!(updates(hook.id).await, 0, "an endpoint that does not receive it");
    let widened = Endpoint {
        events: EventFilter::All,
        updated_at: T0 + Duration::seconds(1),
        ..hook.clone()
    };
    assert!(s.webhooks.update_endpoint(&hook, &widened).await.unwrap());
    edit(&mut account).await.unwrap();
    assert_eq!(
        updates(hook.id).await,
        1,
        "the edit right after the endpoint receives it"
    );

    let disabled = Endpoint {
        disabled_at: Some(T0 + Duration::seconds(2)),
        updated_at: T0 + Duration::seconds(2),
        ..widened.clone()
    };
    assert!(s.webhooks.update_endpoint(&widened, &disabled).await.unwrap());
    edit(&mut account).await.unwrap();
    assert_eq!(updates(hook.id).await, 1, "a disabled endpoint");
    let enabled = Endpoint {
        disabled_at: None,
        updated_at: T0 + Duration::seconds(3),
        ..disabled.clone()
    };
    assert!(s.webhooks.update_endpoint(&disabled, &enabled).await.unwrap());
    edit(&mut account).await.unwrap();
    assert_eq!(
        updates(hook.id).await,
        2,
        "the edit right after it is enabled again"
    );

    assert!(s.webhooks.delete_endpoint(&tenant, hook.id).await.unwrap());
    edit(&mut account).await.unwrap();
    let other = endpoint(&tenant, EventFilter::Only(vec![EventType::CustomerUpdated]));
    s.webhooks.create_endpoint(&other).await.unwrap();
    edit(&mut account).await.unwrap();
    assert_eq!(updates(other.id).await, 1, "the edit right after its creation");
    assert_eq!(
        s.accounts
            .find_by_uuid(&tenant, account.uuid)
            .await
            .unwrap()
            .unwrap()
            .version,
        account.version,
        "every edit written"
    );
    assert!(s.webhooks.delete_endpoint(&tenant, other.id).await.unwrap());
}

crate::contract_cases!(
    commits_announce_to_the_endpoints_that_receive_in_commit_order,
    an_edit_is_announced_to_the_endpoints_that_receive_it_from_their_next_change_on,
    an_endpoint_failing_for_long_is_disabled_once_with_its_notice,
    ended_deliveries_are_forgotten_after_their_keeping,
);
