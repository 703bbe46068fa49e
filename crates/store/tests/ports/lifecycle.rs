//! The account lifecycle against the store: what a transition writes ends every other open flow
//! of the account, whatever its purpose and whichever flow the transition completes, and an
//! account is (tenant, uuid) everywhere.

use crate::support::*;
use clientele_domain::lifecycle::{AccountEvent, MadeBy, Transition};

/// An authenticator app, as the account keeps it.
fn app_factor() -> clientele_domain::factors::Factor {
    use clientele_domain::factors::{Factor, FactorId, FactorSecret};
    Factor {
        id: FactorId(Uuid::from_u128(17)),
        name: "Phone".into(),
        created_at: T0,
        last_used_at: None,
        secret: FactorSecret::Totp {
            sealed: "sealed".into(),
            last_step: Some(1),
        },
    }
}

/// The account a transition starts from, and the transition, for `event`.
fn transition_for(event: AccountEvent) -> Transition {
    let mut start = full_account();
    start.two_factor = false;
    // Numbers are unique per tenant: one of its own.
    let new_phone = Phone::parse(&format!("+1628{:07}", Uuid::new_v4().as_u128() % 10_000_000)).ok();
    let at = T0 + Duration::seconds(1);
    let hash = PasswordHash::from_stored("$2b$04$anotherhashanotherhash".into());
    let result = match event {
        AccountEvent::Activated => {
            start.status = AccountStatus::PendingActivation;
            start.activate(hash, at)
        }
        AccountEvent::EmailChanged => start.confirm_email(
            Email::parse(&format!("new.{}@example.com", Uuid::new_v4().simple())).unwrap(),
            at,
        ),
        AccountEvent::PasswordChanged => start.change_password(hash, at),
        AccountEvent::PasswordReset => start.reset_password(hash, at),
        AccountEvent::PhoneChanged => {
            start.profile.phone = None;
            let mut next = start.clone();
            next.profile.phone = new_phone;
            start.edit(next, at)
        }
        AccountEvent::TwoFactorEnabled => {
            let next = Account {
                two_factor: true,
                ..start.clone()
            };
            start.edit_with_code(next, at)
        }
        AccountEvent::TwoFactorDisabled => {
            start.two_factor = true;
            let next = Account {
                two_factor: false,
                ..start.clone()
            };
            start.edit_with_code(next, at)
        }
        AccountEvent::Deactivated => start.deactivate(at),
        AccountEvent::Erased => {
            start.status = AccountStatus::Deactivated;
            start.erase(at)
        }
        AccountEvent::Reactivated => {
            start.status = AccountStatus::Deactivated;
            start.reactivate(at)
        }
        AccountEvent::FactorAdded => start.add_factor(app_factor(), Some(vec!["digest".into()]), at),
        AccountEvent::FactorRemoved => {
            start = start.add_factor(app_factor(), None, at).unwrap().after().clone();
            start.remove_factor(app_factor().id, true, at)
        }
        AccountEvent::RecoveryCodesReplaced => {
            start = start.add_factor(app_factor(), None, at).unwrap().after().clone();
            start.replace_recovery_codes(vec!["digest".into()], at)
        }
        // A new event is in `AccountEvent::ALL`: the matrix fails until it has a transition here.
        other => panic!("no transition for {other} in the matrix yet"),
    };
    let transition = result.unwrap_or_else(|e| panic!("{event}: {e}"));
    assert_eq!(transition.events(), [event]);
    transition
}

/// Every event × every flow kind, with and without a flow the transition completes: the
/// completed flow is confirmed, every other open flow ends (or, on erasure, is gone).
pub(crate) async fn every_transition_ends_every_other_open_flow(s: Stores) {
    for event in AccountEvent::ALL {
        let completing_choices = std::iter::once(None).chain(Purpose::ALL.into_iter().map(Some));
        for completing in completing_choices {
            let transition = transition_for(event);
            let account = &transition.before();
            s.accounts.insert(account).await.unwrap();
            let mut open = Commit::at(T0);
            let flows: Vec<Flow> = Purpose::ALL.iter().map(|p| flow_of(account, *p)).collect();
            open.flows.extend(flows.iter().cloned().map(FlowWrite::Insert));
            s.commits.commit(open).await.unwrap();
            let completed = completing.and_then(|p| flows.iter().find(|f| f.purpose == p));
            let mut by = MadeBy::customer();
            by.completing = completed;
            let commit = transition.write_into(Commit::at(T0 + Duration::seconds(1)), &by);
            s.commits
                .commit(commit)
                .await
                .unwrap_or_else(|e| panic!("{event} completing {completing:?}: {e:?}"));
            for flow in &flows {
                let stored = s.flows.find(&tenant(), flow.id).await.unwrap();
                let status = stored.map(|f| f.status);
                let expected = match (event, Some(flow.id) == completed.map(|f| f.id)) {
                    (AccountEvent::Erased, _) => None,
                    (_, true) => Some(FlowStatus::Confirmed),
                    (_, false) => Some(FlowStatus::Cancelled),
                };
                assert_eq!(
                    status, expected,
                    "{event}, completing {completing:?}: the {:?} flow",
                    flow.purpose
                );
            }
        }
    }
}

/// Two accounts of one uuid in two tenants (an import keeps the old system's ids): sessions,
/// flows and their writes each reach their own account only. SQLite keeps uuids unique across
/// tenants (its keys are not tenant-led) and refuses the second as `Duplicate(Id)`; the writes
/// that name a tenant are then checked on two uuids.
pub(crate) async fn one_uuid_in_two_tenants_stays_two_accounts(s: Stores) {
    let elsewhere = new_tenant();
    s.tenants.insert_tenant(&elsewhere).await.unwrap();
    let here = full_account();
    let mut there = full_account();
    there.uuid = here.uuid;
    there.tenant = elsewhere.id.clone();
    s.accounts.insert(&here).await.unwrap();
    match s.accounts.insert(&there).await {
        Ok(()) => {}
        Err(StoreError::Duplicate(UniqueKey::Id)) => {
            there.uuid = AccountUuid(Uuid::new_v4());
            s.accounts.insert(&there).await.unwrap();
        }
        Err(other) => panic!("{other:?}"),
    }

    let session = session_of(&there, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&session, None, &[]).await, Ok(true));
    let (found_session, found_account) = s.sessions.find_active(session.id, T0).await.unwrap().unwrap();
    assert_eq!(found_session.tenant, elsewhere.id);
    assert_eq!(
        found_account,
        reloaded(&s, &there).await,
        "the session's own tenant's account"
    );

    let (mine, theirs) = (
        flow_of(&here, Purpose::PasswordReset),
        flow_of(&there, Purpose::PasswordReset),
    );
    let mut open = Commit::at(T0);
    open.flows.push(FlowWrite::Insert(mine.clone()));
    open.flows.push(FlowWrite::Insert(theirs.clone()));
    s.commits.commit(open).await.unwrap();

    // A flow named under another tenant is not consumed or cancelled.
    let mut foreign = Commit::at(T0);
    foreign.flows.push(FlowWrite::Consume {
        tenant: tenant(),
        id: theirs.id,
        version: theirs.version,
    });
    assert_eq!(s.commits.commit(foreign).await, Err(StoreError::FlowChanged));
    let mut cancel = Commit::at(T0);
    cancel.flows.push(FlowWrite::Cancel {
        tenant: tenant(),
        id: theirs.id,
    });
    s.commits.commit(cancel).await.unwrap();

    // Ending the open flows of one ends none of the other's.
    let reset = here
        .reset_password(
            PasswordHash::from_stored("$2b$04$resetresetresetreset".into()),
            T0,
        )
        .unwrap();
    let commit = reset.write_into(Commit::at(T0), &MadeBy::customer());
    s.commits.commit(commit).await.unwrap();
    let status = |tenant: TenantId, id| {
        let flows = s.flows.clone();
        async move { flows.find(&tenant, id).await.unwrap().unwrap().status }
    };
    assert_eq!(status(tenant(), mine.id).await, FlowStatus::Cancelled);
    assert_eq!(status(elsewhere.id.clone(), theirs.id).await, FlowStatus::Pending);
    assert!(
        s.sessions.find_active(session.id, T0).await.unwrap().is_some(),
        "the other tenant's session outlives this one's reset"
    );
    assert_eq!(reloaded(&s, &there).await.password_hash, there.password_hash);
}

/// A change decided with a session is written only while that session is live: one asked for
/// with a stolen session that lost a race to the owner's reset writes nothing when decided again.
pub(crate) async fn a_commit_made_from_an_ended_session_writes_nothing(s: Stores) {
    let account = full_account();
    s.accounts.insert(&account).await.unwrap();
    let session = session_of(&account, T0 + Duration::hours(1));
    assert_eq!(s.sessions.create(&session, None, &[]).await, Ok(true));
    let change = |account: &Account| {
        let mut commit = Commit::at(T0).made_from(&session).updating(account.clone());
        commit
            .flows
            .push(FlowWrite::Insert(flow_of(account, Purpose::EmailChange)));
        commit
    };
    s.commits.commit(change(&account)).await.unwrap();
    let current = reloaded(&s, &account).await;
    s.sessions.revoke(session.id, T0).await.unwrap();
    let mut cancel = Commit::at(T0);
    cancel.flows.push(FlowWrite::CancelAllOpen {
        tenant: tenant(),
        account: account.uuid,
        except: Vec::new(),
    });
    s.commits.commit(cancel).await.unwrap();
    assert_eq!(
        s.commits.commit(change(&current)).await,
        Err(StoreError::SessionEnded)
    );
    assert_eq!(
        reloaded(&s, &account).await.version,
        current.version,
        "nothing written"
    );
    assert_eq!(
        s.flows
            .find_open(&tenant(), account.uuid, Purpose::EmailChange)
            .await
            .unwrap(),
        None
    );
    // Another tenant's session of the same id is no session of this one's.
    let mut elsewhere = Commit::at(T0).updating(current.clone());
    elsewhere.caller_session = Some((TenantId::parse("other").unwrap(), session.id));
    assert_eq!(s.commits.commit(elsewhere).await, Err(StoreError::SessionEnded));
}

crate::contract_cases!(
    every_transition_ends_every_other_open_flow,
    one_uuid_in_two_tenants_stays_two_accounts,
    a_commit_made_from_an_ended_session_writes_nothing,
);
