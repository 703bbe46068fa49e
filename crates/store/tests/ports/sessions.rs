//! The session repository's contract.

use crate::support::*;

pub(crate) async fn the_latest_live_session_tells_when_and_where(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    assert_eq!(
        s.sessions
            .latest_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        None
    );
    let older = Session {
        created_at: T0 - Duration::minutes(10),
        country: Some("FR".into()),
        ..session_of(&account, T0 + Duration::hours(1))
    };
    let newer = Session {
        created_at: T0 - Duration::minutes(1),
        country: Some("DE".into()),
        ..session_of(&account, T0 + Duration::hours(2))
    };
    let expired_newest = Session {
        created_at: T0,
        ..session_of(&account, T0 - Duration::seconds(1))
    };
    for session in [&older, &newer, &expired_newest] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    let latest = s
        .sessions
        .latest_active(&tenant(), account.uuid, T0)
        .await
        .unwrap();
    assert_eq!(
        latest,
        Some(newer.clone()),
        "the newest live one, with its country"
    );
    let other = TenantId::parse("other").unwrap();
    assert_eq!(
        s.sessions.latest_active(&other, account.uuid, T0).await.unwrap(),
        None
    );
    s.sessions.revoke(newer.id, T0).await.unwrap();
    let latest = s
        .sessions
        .latest_active(&tenant(), account.uuid, T0)
        .await
        .unwrap();
    assert_eq!(latest, Some(older));
}

pub(crate) async fn sessions_live_until_revoked_or_expired(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let live = session_of(&account, T0 + Duration::hours(1));
    let other = session_of(&account, T0 + Duration::hours(1));
    let expired = session_of(&account, T0 - Duration::seconds(1));
    for session in [&live, &other, &expired] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    assert_eq!(
        s.sessions.create(&live, None, &[]).await,
        Err(StoreError::Duplicate(UniqueKey::Id))
    );
    // A closed account gets no session, whatever was read before the password was checked.
    let closed = Account {
        status: AccountStatus::Deactivated,
        ..full_account()
    };
    s.accounts.insert(&closed).await.unwrap();
    let late = session_of(&closed, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&late, None, &[]).await, Ok(false));
    assert_eq!(s.sessions.find_active(late.id, T0).await.unwrap(), None);
    // Nor an account whose password changed since the sign-in checked it; a session that opens
    // writes its audit entries with it.
    let signer = full_account();
    s.accounts.insert(&signer).await.unwrap();
    let checked = signer.password_hash.clone().unwrap();
    let stale = session_of(&signer, T0 + Duration::hours(1));
    let other_hash = clientele_domain::values::PasswordHash::from_stored("$2b$04$other".into());
    assert_eq!(s.sessions.create(&stale, Some(other_hash), &[]).await, Ok(false));
    let fresh = session_of(&signer, T0 + Duration::hours(1));
    let signed_in = audit_of(&signer, AuditKind::SignInSucceeded);
    assert_eq!(
        s.sessions
            .create(&fresh, Some(checked), std::slice::from_ref(&signed_in))
            .await,
        Ok(true)
    );
    let trail = s
        .audit
        .list_audit(&tenant(), Some(signer.uuid), None, 10)
        .await
        .unwrap();
    assert!(trail.contains(&signed_in), "{trail:?}");

    let (found, owner) = s.sessions.find_active(live.id, T0).await.unwrap().unwrap();
    assert_eq!((found, owner), (live.clone(), account.clone()));
    assert_eq!(s.sessions.find_active(expired.id, T0).await.unwrap(), None);
    assert_eq!(
        s.sessions
            .find_active(live.id, T0 + Duration::hours(2))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.sessions
            .find_active(SessionId(Uuid::new_v4()), T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.sessions
            .count_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        2
    );

    assert!(s.sessions.revoke(other.id, T0).await.unwrap());
    assert!(!s.sessions.revoke(other.id, T0).await.unwrap());
    assert_eq!(s.sessions.find_active(other.id, T0).await.unwrap(), None);

    let third = session_of(&account, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&third, None, &[]).await, Ok(true));
    let revoked = s
        .sessions
        .revoke_all(&tenant(), account.uuid, Some(live.id), T0)
        .await
        .unwrap();
    assert_eq!(
        revoked, 2,
        "the third and the expired one; the revoked one stays revoked"
    );
    assert_eq!(
        s.sessions
            .count_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        1
    );
    assert!(s.sessions.find_active(live.id, T0).await.unwrap().is_some());
    s.sessions
        .revoke_all(&tenant(), account.uuid, None, T0)
        .await
        .unwrap();
    assert_eq!(
        s.sessions
            .count_active(&tenant(), account.uuid, T0)
            .await
            .unwrap(),
        0
    );
}

/// A commit replacing the session in hand: done with the rest of the commit while that session
/// is live (every other one signed out, the replacement live); with it signed out or expired
/// meanwhile, nothing of the commit is written and no session comes back.
pub(crate) async fn a_session_is_replaced_only_while_it_lives(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let (in_hand, other) = (
        session_of(&account, T0 + Duration::hours(1)),
        session_of(&account, T0 + Duration::hours(1)),
    );
    for session in [&in_hand, &other] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    let edit = |account: &Account| {
        let mut edited = account.clone();
        edited.profile.nickname = None;
        edited
    };
    let replacement = Session {
        id: SessionId(Uuid::new_v4()),
        ..in_hand.clone()
    };
    let replace = |account: &Account, replaced: SessionId, by: Session| {
        Commit::at(T0)
            .revoking(account, Some(replaced))
            .replacing_session(replaced, by)
            .updating(edit(account))
    };
    s.commits
        .commit(replace(&account, in_hand.id, replacement.clone()))
        .await
        .unwrap();
    for (session, live) in [(&in_hand, false), (&other, false), (&replacement, true)] {
        let found = s.sessions.find_active(session.id, T0).await.unwrap();
        assert_eq!(found.is_some(), live, "{session:?}");
    }

    // The replacement signed out meanwhile: its own replacement is refused, and the account
    // edit of the same commit with it.
    assert_eq!(s.sessions.revoke(replacement.id, T0).await, Ok(true));
    let current = reloaded(&s, &account).await;
    let again = Session {
        id: SessionId(Uuid::new_v4()),
        ..replacement.clone()
    };
    assert_eq!(
        s.commits
            .commit(replace(&current, replacement.id, again.clone()))
            .await,
        Err(StoreError::SessionEnded)
    );
    assert_eq!(s.sessions.find_active(again.id, T0).await.unwrap(), None);
    let unchanged = reloaded(&s, &account).await;
    assert_eq!(unchanged.version, current.version, "nothing of the commit");

    // An expired session is no more replaced than a revoked one.
    let expiring = session_of(&account, T0 + Duration::minutes(1));
    assert_eq!(s.sessions.create(&expiring, None, &[]).await, Ok(true));
    let later = Commit {
        now: T0 + Duration::minutes(2),
        ..replace(
            &current,
            expiring.id,
            Session {
                id: SessionId(Uuid::new_v4()),
                ..expiring.clone()
            },
        )
    };
    assert_eq!(s.commits.commit(later).await, Err(StoreError::SessionEnded));
}

/// The account's live sessions with where and how they were signed into, newest first; a use
/// moves `last_seen_at` forward only.
pub(crate) async fn live_sessions_are_listed_and_their_use_recorded(s: Stores) {
    use clientele_domain::session::SignInMethod;
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let older = Session {
        created_at: T0 - Duration::minutes(10),
        last_seen_at: T0 - Duration::minutes(10),
        device: Some("Firefox on Windows 10".into()),
        ip: Some("203.0.113.0/24".into()),
        sign_in_method: SignInMethod::PasswordAndTotp,
        ..session_of(&account, T0 + Duration::hours(1))
    };
    let newer = Session {
        created_at: T0 - Duration::minutes(1),
        last_seen_at: T0 - Duration::minutes(1),
        sign_in_method: SignInMethod::Passkey,
        ..session_of(&account, T0 + Duration::hours(2))
    };
    let ended = session_of(&account, T0 + Duration::hours(1));
    for session in [&older, &newer, &ended] {
        assert_eq!(s.sessions.create(session, None, &[]).await, Ok(true));
    }
    s.sessions.revoke(ended.id, T0).await.unwrap();
    let listed = s.sessions.list_active(&tenant(), account.uuid, T0).await.unwrap();
    assert_eq!(listed, vec![newer.clone(), older.clone()]);
    let other = TenantId::parse("other").unwrap();
    assert!(s
        .sessions
        .list_active(&other, account.uuid, T0)
        .await
        .unwrap()
        .is_empty());

    let minute = Duration::minutes(1);
    s.sessions
        .touch(&tenant(), older.id, T0, T0 - minute)
        .await
        .unwrap();
    let listed = s.sessions.list_active(&tenant(), account.uuid, T0).await.unwrap();
    assert_eq!(listed[1].last_seen_at, T0);
    // Seen within the minute (by another instance, say): not written again.
    let soon = T0 + Duration::seconds(30);
    s.sessions
        .touch(&tenant(), older.id, soon, soon - minute)
        .await
        .unwrap();
    let other = TenantId::parse("other").unwrap();
    let later = T0 + Duration::minutes(5);
    s.sessions
        .touch(&other, older.id, later, later - minute)
        .await
        .unwrap();
    let listed = s.sessions.list_active(&tenant(), account.uuid, T0).await.unwrap();
    assert_eq!(listed[1].last_seen_at, T0, "once a minute, within its tenant");

    // One session of the account ended by a commit; another account's is not reached.
    let stranger = full_account();
    s.accounts.insert(&stranger).await.unwrap();
    let theirs = session_of(&stranger, T0 + Duration::hours(1));
    s.sessions.create(&theirs, None, &[]).await.unwrap();
    let mut commit = Commit::at(T0).revoking_one(&account, theirs.id);
    commit = commit.revoking_one(&account, older.id);
    s.commits.commit(commit).await.unwrap();
    assert!(s.sessions.find_active(theirs.id, T0).await.unwrap().is_some());
    let listed = s.sessions.list_active(&tenant(), account.uuid, T0).await.unwrap();
    assert_eq!(listed, vec![newer]);
}

crate::contract_cases!(
    live_sessions_are_listed_and_their_use_recorded,
    the_latest_live_session_tells_when_and_where,
    sessions_live_until_revoked_or_expired,
    a_session_is_replaced_only_while_it_lives,
);
