//! The per-recipient send limit, under a race.

use crate::support::*;

/// A commit limiting its sends is written only while each recipient (whatever the case of its
/// letters) has room in the window for the class, counting what earlier limited commits of the
/// class sent it, and exactly so under a race.
pub(crate) async fn sends_are_limited_per_recipient_even_under_a_race(s: Stores) {
    let limit = Some(SendLimit {
        max: 3,
        window: Duration::hours(1),
    });
    let (flooded, other) = (
        format!("flooded-{}@example.com", Uuid::new_v4().simple()),
        format!("other-{}@example.com", Uuid::new_v4().simple()),
    );
    let pending_email = || async {
        let summary = s.outbox.pending_by_channel().await.unwrap();
        let email = summary.into_iter().find(|p| p.channel == Channel::Email);
        email.map_or((0, None), |p| (p.count, p.oldest))
    };
    let (pending_before, _) = pending_email().await;
    let sending = |to: &str, at: OffsetDateTime, limit: Option<SendLimit>, class: SendClass| {
        let mut commit = Commit::at(at);
        commit.messages.push(message_to(to, at));
        commit.limiting_sends(limit, class)
    };
    let secret = |to: &str, at: OffsetDateTime| sending(to, at, limit, SendClass::Secret);
    // Outside the window: not counted.
    s.commits
        .commit(secret(&flooded, T0 - Duration::minutes(61)))
        .await
        .unwrap();
    // Unlimited commits (a change notice) use up no budget.
    s.commits
        .commit(sending(&flooded, T0, None, SendClass::Secret))
        .await
        .unwrap();
    s.commits.commit(secret(&flooded, T0)).await.unwrap();
    let racing = (0..20).map(|_| {
        let (commits, commit) = (s.commits.clone(), secret(&flooded, T0));
        async move { commits.commit(commit).await }
    });
    let results = join_all(racing).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2, "{results:?}");
    assert!(results
        .iter()
        .all(|r| r.is_ok() || r == &Err(StoreError::SendLimited)));
    assert_eq!(
        outbox_of(&s, &flooded).await.len(),
        5,
        "nothing of a refused commit is written"
    );
    let shouted = flooded.to_uppercase();
    assert_eq!(
        s.commits.commit(secret(&shouted, T0)).await,
        Err(StoreError::SendLimited),
        "the same mailbox, whatever the case"
    );
    assert_eq!(
        s.commits
            .commit(sending(&shouted, T0, limit, SendClass::SignUpNotice))
            .await,
        Ok(()),
        "another class has a budget of its own"
    );
    // Letters beyond ASCII are folded too (SQLite's lower() would not).
    let umlaut = format!("Jürgen-{}@Example.com", Uuid::new_v4().simple());
    for _ in 0..3 {
        s.commits.commit(secret(&umlaut, T0)).await.unwrap();
    }
    assert_eq!(
        s.commits.commit(secret(&umlaut.to_uppercase(), T0)).await,
        Err(StoreError::SendLimited),
        "JÜRGEN is Jürgen's mailbox"
    );
    let (pending_after, oldest) = pending_email().await;
    assert_eq!(pending_after - pending_before, 9, "the backlog counts them");
    assert!(oldest.is_some_and(|oldest| oldest <= T0 - Duration::minutes(61)));
    // A commit with two messages to one recipient counts both.
    let mut two = Commit::at(T0).limiting_sends(limit, SendClass::Secret);
    two.messages
        .extend([message_to(&other, T0), message_to(&other, T0)]);
    s.commits.commit(two).await.unwrap();
    assert_eq!(
        s.commits.commit(secret(&other, T0)).await,
        Ok(()),
        "another recipient has its own room"
    );
    assert_eq!(
        s.commits.commit(secret(&other, T0)).await,
        Err(StoreError::SendLimited)
    );
    assert_eq!(
        s.commits
            .commit(secret(&flooded, T0 + Duration::minutes(61)))
            .await,
        Ok(()),
        "room again once the window has passed"
    );
}

crate::contract_cases!(sends_are_limited_per_recipient_even_under_a_race,);
