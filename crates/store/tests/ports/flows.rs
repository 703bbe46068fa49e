//! The flows' contract: tries, locks, one open flow per purpose, the change they keep.

use crate::support::*;

/// What a flow keeps until it is confirmed comes back as it was, for each purpose that keeps one.
pub(crate) async fn pending_changes_come_back_as_they_were(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let held = HeldEdit {
        firstname: "Ann".into(),
        lastname: "Lee".into(),
        gender: "female".into(),
        birthdate: Some(date!(1990 - 05 - 15)),
        telephone: "+14155550123".into(),
        email: None,
        two_factor: true,
    };
    let sign_in = HeldSignIn {
        password: "digest".into(),
        country: Some("FR".into()),
        passkey: None,
    };
    for (purpose, change) in [
        (
            Purpose::EmailChange,
            PendingChange::NewAddress("New@Example.com".into()),
        ),
        (Purpose::PhoneChange, PendingChange::HeldEdit(held)),
        (Purpose::SecondFactor, PendingChange::SignIn(sign_in)),
    ] {
        let flow = Flow {
            pending_change: Some(change.clone()),
            ..flow_of(&account, purpose)
        };
        let mut commit = Commit::at(T0);
        commit.flows.push(FlowWrite::Insert(flow.clone()));
        s.commits.commit(commit).await.unwrap();
        let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
        assert_eq!(stored.pending_change, Some(change), "{purpose:?}");
    }
}

pub(crate) async fn flows_count_tries_and_lock(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::PasswordReset);
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(commit).await.unwrap();
    assert_eq!(
        s.flows.find(&tenant(), flow.id).await.unwrap(),
        Some(flow.clone())
    );
    assert_eq!(
        s.flows
            .find(&TenantId::parse("other").unwrap(), flow.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::PasswordReset)
            .await
            .unwrap(),
        Some(flow.clone())
    );

    // Expired: not counted.
    assert_eq!(
        s.flows
            .register_attempt(&tenant(), flow.id, T0 + Duration::hours(2))
            .await
            .unwrap(),
        None
    );
    for expected in 1..=3 {
        let counted = s
            .flows
            .register_attempt(&tenant(), flow.id, T0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (counted.attempts, counted.status),
            (expected, FlowStatus::Pending)
        );
    }

    // Asking again keeps the count of tries and moves the version.
    let resent_at = T0 + Duration::minutes(2);
    let replaced = Flow {
        secret_digest: "digest-2".into(),
        expires_at: T0 + Duration::hours(3),
        sent_at: resent_at,
        ..flow.clone()
    };
    let replace = |flow: Flow| {
        let mut commit = Commit::at(T0);
        commit.flows.push(FlowWrite::Replace(flow));
        commit
    };
    s.commits.commit(replace(replaced.clone())).await.unwrap();
    let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.attempts, stored.secret_digest.as_str(), stored.version),
        (3, "digest-2", flow.version + 1)
    );
    assert_eq!(
        (stored.sent, stored.sent_at),
        (flow.sent + 1, resent_at),
        "a re-issue counts a send"
    );
    assert_eq!(
        s.commits.commit(replace(replaced)).await,
        Err(StoreError::FlowChanged),
        "a re-issue decided on the flow as it was before"
    );
    let mut stale = Commit::at(T0);
    stale.flows.push(flow.consume());
    assert_eq!(
        s.commits.commit(stale).await,
        Err(StoreError::FlowChanged),
        "a secret checked before the re-issue confirms nothing"
    );

    // Twenty concurrent tries: exactly the two left are counted, and the last locks the flow.
    let tries = join_all((0..20).map(|_| {
        let flows = s.flows.clone();
        async move { flows.register_attempt(&tenant(), flow.id, T0).await.unwrap() }
    }))
    .await;
    let mut counted: Vec<i32> = tries.iter().flatten().map(|f| f.attempts).collect();
    counted.sort();
    assert_eq!(counted, [4, 5]);
    let locked = s
        .flows
        .find_open(&tenant(), account.uuid, Purpose::PasswordReset)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(locked.status, FlowStatus::Locked, "locked by the last try itself");
    assert!(s
        .flows
        .register_attempt(&tenant(), flow.id, T0)
        .await
        .unwrap()
        .is_none());
    let mut reissue = Commit::at(T0);
    reissue.flows.push(FlowWrite::Replace(locked.clone()));
    assert_eq!(s.commits.commit(reissue).await, Err(StoreError::FlowChanged));

    // The last try, when it was right, still confirms: once.
    let mut confirm = Commit::at(T0);
    confirm.flows.push(locked.consume());
    s.commits.commit(confirm.clone()).await.unwrap();
    assert_eq!(s.commits.commit(confirm).await, Err(StoreError::FlowChanged));
    let done = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
    assert_eq!(done.status, FlowStatus::Confirmed);
}

pub(crate) async fn a_secret_works_once_under_a_twenty_way_race(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::Activation);
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(commit).await.unwrap();
    let results = join_all((0..20).map(|_| {
        let commits = s.commits.clone();
        let consume = flow.consume();
        let tag = format!("{}@example.com", Uuid::new_v4().simple());
        async move {
            let mut commit = Commit::at(T0);
            commit.flows.push(consume);
            commit.messages.push(message_to(&tag, T0));
            commits.commit(commit).await
        }
    }))
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || r == &Err(StoreError::FlowChanged)));
    let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
    assert_eq!(stored.status, FlowStatus::Confirmed);
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::Activation)
            .await
            .unwrap(),
        None
    );
}

pub(crate) async fn one_open_flow_per_account_and_purpose(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let first = flow_of(&account, Purpose::EmailChange);
    let second = flow_of(&account, Purpose::EmailChange);
    let insert = |flow: &Flow| {
        let mut commit = Commit::at(T0);
        commit.flows.push(FlowWrite::Insert(flow.clone()));
        commit
    };
    s.commits.commit(insert(&first)).await.unwrap();
    assert_eq!(
        s.commits.commit(insert(&second)).await,
        Err(StoreError::Duplicate(UniqueKey::OpenFlow))
    );
    s.commits
        .commit(insert(&flow_of(&account, Purpose::PasswordReset)))
        .await
        .unwrap();
    let mut replace = Commit::at(T0);
    replace.flows.push(FlowWrite::Cancel {
        tenant: tenant(),
        id: first.id,
    });
    replace.flows.push(FlowWrite::Insert(second.clone()));
    s.commits.commit(replace).await.unwrap();
    assert_eq!(
        s.flows.find(&tenant(), first.id).await.unwrap().unwrap().status,
        FlowStatus::Cancelled
    );
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::EmailChange)
            .await
            .unwrap()
            .unwrap()
            .id,
        second.id
    );
}

pub(crate) async fn closing_cancels_every_open_flow(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let (reset, change, completed) = (
        flow_of(&account, Purpose::PasswordReset),
        flow_of(&account, Purpose::EmailChange),
        flow_of(&account, Purpose::Deactivation),
    );
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(reset.clone()));
    commit.flows.push(FlowWrite::Insert(change.clone()));
    commit.flows.push(FlowWrite::Insert(completed.clone()));
    s.commits.commit(commit).await.unwrap();
    let other = full_account();
    s.accounts.insert(&other).await.unwrap();
    let others = flow_of(&other, Purpose::PasswordReset);
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(others.clone()));
    s.commits.commit(commit).await.unwrap();

    // The flow the closing completes is consumed, in either order, and not ended.
    let mut close = Commit::at(T0);
    close.flows.push(FlowWrite::CancelAllOpen {
        tenant: tenant(),
        account: account.uuid,
        except: vec![completed.id],
    });
    close.flows.push(completed.consume());
    s.commits.commit(close).await.unwrap();
    let confirmed = s.flows.find(&tenant(), completed.id).await.unwrap().unwrap();
    assert_eq!(confirmed.status, FlowStatus::Confirmed);
    for flow in [&reset, &change] {
        let stored = s.flows.find(&tenant(), flow.id).await.unwrap().unwrap();
        assert_eq!(stored.status, FlowStatus::Cancelled);
        let mut stale = Commit::at(T0);
        stale.flows.push(flow.consume());
        assert_eq!(s.commits.commit(stale).await, Err(StoreError::FlowChanged));
    }
    let untouched = s.flows.find(&tenant(), others.id).await.unwrap().unwrap();
    assert_eq!(
        untouched.status,
        FlowStatus::Pending,
        "another account's flow stays open"
    );

    // Erasure deletes the account's flows and sessions (they hold its address and where it
    // signed in from), and nobody else's.
    let session = Session {
        country: Some("FR".into()),
        ..session_of(&account, T0 + Duration::hours(1))
    };
    let others_session = session_of(&other, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&session, None, &[]).await, Ok(true));
    assert_eq!(s.sessions.create(&others_session, None, &[]).await, Ok(true));
    // The account's messages (to its address and to where its flows went), one written before
    // messages named their account (to its address), one to someone else, and one for another
    // customer at an address the account's flow once went to (it may hold it now).
    let address = account.email.as_ref().unwrap().as_str().to_owned();
    let unique = |tag: &str| format!("{tag}-{}@example.com", Uuid::new_v4().simple());
    let flow_target = unique("target");
    let mut target_flow = flow_of(&account, Purpose::PhoneChange);
    target_flow.target = flow_target.clone();
    let bystander = unique("bystander");
    let mut commit = Commit::at(T0);
    commit.flows.push(FlowWrite::Insert(target_flow));
    commit.messages.extend([
        message_for(&account, &address, T0),
        message_for(&account, &flow_target, T0),
        message_to(&address, T0),
        message_to(&bystander, T0),
        message_for(&other, &flow_target, T0),
    ]);
    commit.audit.extend([
        audit_of(&account, AuditKind::SignInSucceeded),
        audit_of(&other, AuditKind::SignInSucceeded),
    ]);
    s.commits.commit(commit).await.unwrap();
    let current = reloaded(&s, &account).await;
    let erased = Account {
        status: AccountStatus::Erased,
        ..current
    };
    s.commits
        .commit(Commit::at(T0).erasing(erased, Some(address.clone())))
        .await
        .unwrap();
    assert!(
        outbox_of(&s, &address).await.is_empty(),
        "no message to {address} left"
    );
    let now_anothers = outbox_of(&s, &flow_target).await;
    assert_eq!(
        now_anothers.iter().map(|m| m.message.account).collect::<Vec<_>>(),
        [Some(other.uuid)],
        "only the other customer's message to an address the account once used is left"
    );
    assert_eq!(now_anothers[0].status, DeliveryStatus::Pending);
    let erased = outbox_of(&s, "(erased)").await;
    assert!(erased.len() >= 3, "blanked, not deleted");
    for message in &erased {
        assert_eq!(message.message.masked_text, "");
        assert_eq!(
            message.status,
            DeliveryStatus::Abandoned,
            "pending ones are given up"
        );
    }
    let kept = outbox_of(&s, &bystander).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].status,
        DeliveryStatus::Pending,
        "someone else's message goes on"
    );
    for flow in [&reset, &change] {
        assert_eq!(
            s.flows.find(&tenant(), flow.id).await.unwrap(),
            None,
            "flow erased"
        );
    }
    assert_eq!(
        s.sessions
            .latest_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.sessions.find_active(session.id, T0).await.unwrap(), None);
    assert!(s.flows.find(&tenant(), others.id).await.unwrap().is_some());
    let addresses = |of: AccountUuid| {
        let audit = s.audit.clone();
        async move {
            let entries = audit.list_audit(&tenant(), Some(of), None, 100).await.unwrap();
            assert!(!entries.is_empty());
            entries.into_iter().map(|e| e.client_address).collect::<Vec<_>>()
        }
    };
    assert!(
        addresses(account.uuid).await.iter().all(Option::is_none),
        "the customer's addresses leave the audit trail with the account"
    );
    assert_eq!(addresses(other.uuid).await, [Some("192.0.2.1".to_owned())]);
    // A sign-in failure racing the erasure, counted after it: no entry, so no address.
    let late = audit_of(&account, AuditKind::SignInFailed);
    s.accounts
        .record_sign_in_failure(&tenant(), account.uuid, &late)
        .await
        .unwrap();
    let until = T0 + Duration::hours(1);
    s.accounts
        .lock_sign_in(
            &tenant(),
            account.uuid,
            until,
            &audit_of(&account, AuditKind::SignInLocked),
        )
        .await
        .unwrap();
    assert!(
        addresses(account.uuid).await.iter().all(Option::is_none),
        "nothing recorded for an erased account"
    );
    assert!(s
        .sessions
        .find_active(others_session.id, T0)
        .await
        .unwrap()
        .is_some());
}

/// A withdrawal ends the flow only at the version it was decided on: once the secret was used,
/// it changes nothing and says so.
pub(crate) async fn a_withdrawal_ends_only_the_flow_as_read(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::EmailChange);
    let mut insert = Commit::at(T0);
    insert.flows.push(FlowWrite::Insert(flow.clone()));
    s.commits.commit(insert).await.unwrap();
    let write = |write: FlowWrite| {
        let mut commit = Commit::at(T0);
        commit.flows.push(write);
        commit
    };
    let withdraw = |version| FlowWrite::Withdraw {
        tenant: tenant(),
        id: flow.id,
        version,
    };
    s.commits.commit(write(flow.consume())).await.unwrap();
    assert_eq!(
        s.commits.commit(write(withdraw(flow.version))).await,
        Err(StoreError::FlowChanged),
        "confirmed first: nothing to withdraw"
    );
    let again = flow_of(&account, Purpose::EmailChange);
    s.commits
        .commit(write(FlowWrite::Insert(again.clone())))
        .await
        .unwrap();
    s.commits
        .commit(write(FlowWrite::Withdraw {
            tenant: tenant(),
            id: again.id,
            version: again.version,
        }))
        .await
        .unwrap();
    assert_eq!(
        s.flows.find(&tenant(), again.id).await.unwrap().unwrap().status,
        FlowStatus::Cancelled
    );
}

crate::contract_cases!(
    a_withdrawal_ends_only_the_flow_as_read,
    pending_changes_come_back_as_they_were,
    flows_count_tries_and_lock,
    a_secret_works_once_under_a_twenty_way_race,
    one_open_flow_per_account_and_purpose,
    closing_cancels_every_open_flow,
);
