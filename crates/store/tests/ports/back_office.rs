//! Deletion requests and the audit trail.

use crate::support::*;

pub(crate) async fn deletion_requests_are_decided_once(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let request = |at: OffsetDateTime| DeletionRequest {
        id: DeletionRequestId(Uuid::new_v4()),
        tenant: tenant(),
        account: account.uuid,
        status: DeletionStatus::Pending,
        created_at: at,
        decided_at: None,
        reason: None,
    };
    let (older, newer) = (request(T0 - Duration::days(3)), request(T0));
    let mut commit = Commit::at(T0);
    commit.deletion_requests.extend([newer.clone(), older.clone()]);
    s.commits.commit(commit).await.unwrap();
    let pending = s
        .deletions
        .list_requests(&tenant(), Some(DeletionStatus::Pending), None, 1000)
        .await
        .unwrap();
    let mine: Vec<_> = pending
        .into_iter()
        .filter(|r| r.account == account.uuid)
        .collect();
    assert_eq!(mine, vec![older.clone(), newer.clone()], "oldest first");
    assert!(s.deletions.has_pending(&tenant(), account.uuid).await.unwrap());
    assert_eq!(
        s.deletions
            .list_requests(&tenant(), None, Some(account.uuid), 1000)
            .await
            .unwrap(),
        vec![older.clone(), newer.clone()],
        "one account's"
    );
    let other = TenantId::parse("other").unwrap();
    assert_eq!(s.deletions.find_request(&other, older.id).await.unwrap(), None);

    let approved = DeletionRequest {
        status: DeletionStatus::Approved,
        decided_at: Some(T0 + Duration::minutes(1)),
        ..older.clone()
    };
    let decide = |decided: DeletionRequest| {
        let mut commit = Commit::at(T0);
        commit.deletion_decisions.push(decided);
        commit
    };
    s.commits.commit(decide(approved.clone())).await.unwrap();
    assert_eq!(
        s.deletions.find_request(&tenant(), older.id).await.unwrap(),
        Some(approved.clone())
    );
    let rejected = DeletionRequest {
        status: DeletionStatus::Rejected,
        reason: Some("legal hold".into()),
        ..approved
    };
    assert_eq!(
        s.commits.commit(decide(rejected)).await,
        Err(StoreError::AlreadyDecided),
        "decided once"
    );
    let elsewhere = DeletionRequest {
        tenant: other,
        status: DeletionStatus::Approved,
        ..newer.clone()
    };
    assert_eq!(
        s.commits.commit(decide(elsewhere)).await,
        Err(StoreError::AlreadyDecided),
        "not through another tenant"
    );
    assert!(
        s.deletions.has_pending(&tenant(), account.uuid).await.unwrap(),
        "the newer one"
    );
}

pub(crate) async fn the_audit_trail_is_kept_per_tenant_newest_first(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let entry = |kind: AuditKind, at: OffsetDateTime| AuditEntry {
        id: Uuid::new_v4(),
        tenant: tenant(),
        account: account.uuid,
        kind,
        actor: Actor::Customer,
        request_id: Some("request-7".into()),
        client_address: Some("2001:db8::7".into()),
        device: Some("Firefox on Linux".into()),
        at,
        detail: Some("erase_now".into()),
    };
    let signed_in = entry(AuditKind::SignInSucceeded, T0);
    s.audit.append(&signed_in).await.unwrap();
    let mut commit = Commit::at(T0);
    let closed = entry(AuditKind::Deactivated, T0 + Duration::seconds(1));
    let erased = entry(AuditKind::Erased, T0 + Duration::seconds(2));
    commit.audit.extend([closed.clone(), erased.clone()]);
    s.commits.commit(commit).await.unwrap();
    // A commit that fails writes no entry.
    let mut failing = Commit::at(T0);
    failing
        .audit
        .push(entry(AuditKind::Reactivated, T0 + Duration::seconds(3)));
    failing.accounts.push(AccountWrite::Insert(account.clone()));
    assert!(s.commits.commit(failing).await.is_err());

    let all = s
        .audit
        .list_audit(&tenant(), Some(account.uuid), None, 100)
        .await
        .unwrap();
    assert_eq!(
        all,
        vec![erased.clone(), closed.clone(), signed_in.clone()],
        "newest first"
    );
    let closings = s
        .audit
        .list_audit(&tenant(), Some(account.uuid), Some(AuditKind::Deactivated), 100)
        .await
        .unwrap();
    assert_eq!(closings, vec![closed]);
    let other = TenantId::parse("other").unwrap();
    assert!(s
        .audit
        .list_audit(&other, Some(account.uuid), None, 100)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        s.audit
            .list_audit(&tenant(), Some(account.uuid), None, 1)
            .await
            .unwrap(),
        vec![erased]
    );
}

crate::contract_cases!(
    deletion_requests_are_decided_once,
    the_audit_trail_is_kept_per_tenant_newest_first,
);
