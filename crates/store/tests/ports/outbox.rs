//! The outbox: claims, outcomes, forgetting a recipient.

use crate::support::*;

pub(crate) async fn outbox_claims_once_and_records_outcomes(s: Stores) {
    let recipient = format!("{}@example.com", Uuid::new_v4().simple());
    // Due in the future relative to everything other cases wrote, so only these are claimed.
    let at = T0 + Duration::days(3650);
    let mut commit = Commit::at(at);
    for i in 0..3 {
        commit
            .messages
            .push(message_to(&recipient, at + Duration::seconds(i)));
    }
    s.commits.commit(commit).await.unwrap();
    let now = at + Duration::minutes(1);
    let lease = Duration::minutes(2);
    let (claim, other) = (ClaimId(Uuid::new_v4()), ClaimId(Uuid::new_v4()));
    let (a, b) = tokio::join!(
        s.outbox.claim_due(now, lease, 10, claim),
        s.outbox.claim_due(now, lease, 10, other)
    );
    let a = a.unwrap();
    let a_ids: Vec<MessageId> = a.iter().map(|m| m.message.id).collect();
    let both: Vec<_> = a.into_iter().chain(b.unwrap()).collect();
    let mut ids: Vec<MessageId> = both.iter().map(|m| m.message.id).collect();
    ids.sort_by_key(|id| id.0);
    ids.dedup();
    assert_eq!(ids.len(), both.len(), "no message claimed twice");
    assert_eq!(
        both.iter().filter(|m| m.message.recipient == recipient).count(),
        3,
        "every message claimed"
    );
    assert!(
        s.outbox
            .claim_due(now, lease, 10, ClaimId(Uuid::new_v4()))
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    let claim_of = |id: MessageId| {
        if a_ids.contains(&id) {
            claim
        } else {
            other
        }
    };

    let mine = outbox_of(&s, &recipient).await;
    assert_eq!(
        mine[0].message.created_at,
        at + Duration::seconds(2),
        "newest first"
    );
    let (sent, retried, abandoned) = (mine[0].message.id, mine[1].message.id, mine[2].message.id);
    let stranger = ClaimId(Uuid::new_v4());
    assert!(
        !s.outbox.mark_sent(sent, stranger, now).await.unwrap(),
        "only the claimant records an outcome"
    );
    assert!(s.outbox.mark_sent(sent, claim_of(sent), now).await.unwrap());
    assert!(
        !s.outbox
            .mark_failed(sent, claim_of(sent), None, "late")
            .await
            .unwrap(),
        "a sent message stays sent"
    );
    assert!(s
        .outbox
        .mark_failed(
            retried,
            claim_of(retried),
            Some(now + Duration::seconds(5)),
            "server down"
        )
        .await
        .unwrap());
    assert!(s
        .outbox
        .mark_failed(abandoned, claim_of(abandoned), None, &"x".repeat(2000))
        .await
        .unwrap());
    let after = outbox_of(&s, &recipient).await;
    let by_id = |id: MessageId| after.iter().find(|m| m.message.id == id).unwrap().clone();
    let sent = by_id(sent);
    assert_eq!(
        (sent.status, sent.sent_at, sent.message.sealed_body.as_str()),
        (DeliveryStatus::Sent, Some(now), "")
    );
    assert_eq!(sent.message.masked_text, "Code: ••••");
    let retried = by_id(retried);
    assert_eq!((retried.status, retried.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!(retried.last_error.as_deref(), Some("server down"));
    assert_eq!(retried.next_attempt_at, now + Duration::seconds(5));
    let abandoned = by_id(abandoned);
    assert_eq!(
        (
            abandoned.status,
            abandoned.message.sealed_body.as_str(),
            abandoned.attempts
        ),
        (DeliveryStatus::Abandoned, "", 1)
    );
    assert_eq!(abandoned.last_error.unwrap().len(), 500);
    let again = ClaimId(Uuid::new_v4());
    let claimed_again = s
        .outbox
        .claim_due(now + Duration::seconds(5), lease, 10, again)
        .await
        .unwrap();
    assert_eq!(
        claimed_again.iter().map(|m| m.message.id).collect::<Vec<_>>(),
        [retried.message.id]
    );
    // The lease lapses (a worker stalled); another claims the message and sends it. The stalled
    // worker's late outcome must not overwrite that.
    let lapsed = now + Duration::seconds(5) + lease + Duration::seconds(1);
    let next = ClaimId(Uuid::new_v4());
    let reclaimed = s.outbox.claim_due(lapsed, lease, 100, next).await.unwrap();
    assert_eq!(
        reclaimed
            .iter()
            .filter(|m| m.message.recipient == recipient)
            .map(|m| m.message.id)
            .collect::<Vec<_>>(),
        [retried.message.id]
    );
    assert!(
        !s.outbox
            .mark_failed(retried.message.id, again, None, "stalled worker wakes up")
            .await
            .unwrap(),
        "the lapsed claim records nothing on the message now pending under the next claim"
    );
    assert!(s
        .outbox
        .mark_sent(retried.message.id, next, lapsed)
        .await
        .unwrap());
    let settled = outbox_of(&s, &recipient).await;
    let settled = settled
        .iter()
        .find(|m| m.message.id == retried.message.id)
        .unwrap();
    assert_eq!((settled.status, settled.attempts), (DeliveryStatus::Sent, 2));
    assert_eq!(settled.last_error.as_deref(), Some("server down"));
    let only_sent = s
        .outbox
        .list(&tenant(), Some(DeliveryStatus::Sent), None, 1000)
        .await
        .unwrap();
    assert!(only_sent.iter().all(|m| m.status == DeliveryStatus::Sent));
    assert!(only_sent.iter().any(|m| m.message.id == sent.message.id));
}

pub(crate) async fn a_last_notice_forgets_its_recipient_once_delivered(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let address = account.email.as_ref().unwrap().as_str().to_owned();
    // Later than anything other cases wrote.
    let at = T0 + Duration::days(7300);
    let mut notice = message_to(&address, at);
    notice.forget_recipient = true;
    let mut commit = Commit::at(at);
    commit.messages.push(notice.clone());
    s.commits
        .commit(commit.erasing(account.clone(), Some(address.clone())))
        .await
        .unwrap();
    let waiting = outbox_of(&s, &address).await;
    assert_eq!(waiting.len(), 1, "the erasure that sends it does not blank it");
    assert_eq!(waiting[0].status, DeliveryStatus::Pending);

    let (now, claim) = (at + Duration::minutes(1), ClaimId(Uuid::new_v4()));
    let claimed = s
        .outbox
        .claim_due(now, Duration::minutes(2), 1000, claim)
        .await
        .unwrap();
    assert!(claimed.iter().any(|m| m.message.id == notice.id));
    assert!(s.outbox.mark_sent(notice.id, claim, now).await.unwrap());
    assert!(
        outbox_of(&s, &address).await.is_empty(),
        "delivered: the address is gone"
    );
    let blanked: Vec<_> = outbox_of(&s, "(erased)")
        .await
        .into_iter()
        .filter(|m| m.message.id == notice.id)
        .collect();
    assert_eq!(blanked.len(), 1);
    assert_eq!(blanked[0].status, DeliveryStatus::Sent);
    assert_eq!(blanked[0].message.masked_text, "");
}

/// One account's messages, newest first (what its data export shows).
pub(crate) async fn an_accounts_messages_are_listed(s: Stores) {
    let (account, stranger) = (full_account(), full_account());
    s.accounts.insert(&account).await.unwrap();
    s.accounts.insert(&stranger).await.unwrap();
    // Due after everything the other cases claim.
    let at = T0 + Duration::days(20_000);
    let address = account.email.as_ref().unwrap().as_str().to_owned();
    let (first, second) = (
        message_for(&account, &address, at),
        message_for(&account, &address, at + Duration::seconds(1)),
    );
    let mut commit = Commit::at(at);
    commit.messages.extend([
        first.clone(),
        second.clone(),
        message_for(&stranger, &address, at),
    ]);
    s.commits.commit(commit).await.unwrap();
    let listed = s
        .outbox
        .list(&tenant(), None, Some(account.uuid), 100)
        .await
        .unwrap();
    let ids: Vec<MessageId> = listed.iter().map(|m| m.message.id).collect();
    assert_eq!(ids, [second.id, first.id]);
}

crate::contract_cases!(
    outbox_claims_once_and_records_outcomes,
    a_last_notice_forgets_its_recipient_once_delivered,
    an_accounts_messages_are_listed,
);
