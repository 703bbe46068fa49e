//! The unit of work: all or nothing, and only on the state it was decided on.

use crate::support::*;

pub(crate) async fn commits_are_all_or_nothing(s: Stores) {
    let account = full_account();
    let tag = format!("{}@example.com", Uuid::new_v4().simple());
    let mut commit = Commit::at(T0);
    commit.accounts.push(AccountWrite::Insert(account.clone()));
    commit.messages.push(message_to(&tag, T0));
    s.commits.commit(commit).await.unwrap();
    assert_eq!(outbox_of(&s, &tag).await.len(), 1);

    // A stale update rolls back everything else in the commit.
    let mut stale = account.clone();
    stale.version = 7;
    let mut commit = Commit::at(T0);
    commit
        .flows
        .push(FlowWrite::Insert(flow_of(&account, Purpose::EmailChange)));
    commit.messages.push(message_to(&tag, T0));
    commit.accounts.push(AccountWrite::Update(stale));
    assert_eq!(s.commits.commit(commit).await, Err(StoreError::VersionMismatch));
    assert_eq!(outbox_of(&s, &tag).await.len(), 1);
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::EmailChange)
            .await
            .unwrap(),
        None
    );

    // A duplicate email too.
    let mut twin = full_account();
    twin.email = account.email.clone();
    let mut commit = Commit::at(T0);
    commit.messages.push(message_to(&tag, T0));
    commit.accounts.push(AccountWrite::Insert(twin));
    assert_eq!(
        s.commits.commit(commit).await,
        Err(StoreError::Duplicate(UniqueKey::Email))
    );
    assert_eq!(outbox_of(&s, &tag).await.len(), 1);

    // Sessions are revoked with the commit.
    let session = session_of(&account, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&session, None, &[]).await, Ok(true));
    let mut commit = Commit::at(T0);
    let mut updated = account.clone();
    updated.profile.nickname = None;
    commit.accounts.push(AccountWrite::Update(updated));
    let commit = commit.revoking(&account, None);
    s.commits.commit(commit).await.unwrap();
    assert_eq!(s.sessions.find_active(session.id, T0).await.unwrap(), None);
    // Or all but the one in hand.
    let (kept, other) = (
        session_of(&account, T0 + Duration::hours(1)),
        session_of(&account, T0 + Duration::hours(1)),
    );
    for session in [&kept, &other] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    let current = reloaded(&s, &account).await;
    s.commits
        .commit(Commit::at(T0).revoking(&current, Some(kept.id)))
        .await
        .unwrap();
    assert!(
        s.sessions.find_active(kept.id, T0).await.unwrap().is_some(),
        "the one in hand"
    );
    assert_eq!(s.sessions.find_active(other.id, T0).await.unwrap(), None);
    assert_eq!(reloaded(&s, &account).await.version, 1);
}

pub(crate) async fn a_decision_relying_on_an_account_needs_it_unchanged(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let flow = flow_of(&account, Purpose::PasswordReset);
    let relying = |flow: &Flow, on: &Account| {
        let mut commit = Commit::at(T0).relying_on(on);
        commit.flows.push(FlowWrite::Insert(flow.clone()));
        commit
    };
    // The account is closed (its version moves) between reading it and committing.
    let closed = s
        .accounts
        .update(&Account {
            status: AccountStatus::Deactivated,
            ..account.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        s.commits.commit(relying(&flow, &account)).await,
        Err(StoreError::VersionMismatch)
    );
    assert_eq!(
        s.flows.find(&tenant(), flow.id).await.unwrap(),
        None,
        "nothing written"
    );
    s.commits.commit(relying(&flow, &closed)).await.unwrap();
    let unchanged = reloaded(&s, &account).await;
    assert_eq!(
        unchanged.version, closed.version,
        "relying on it does not move the version"
    );
}

crate::contract_cases!(
    commits_are_all_or_nothing,
    a_decision_relying_on_an_account_needs_it_unchanged,
);
