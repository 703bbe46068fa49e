use super::*;
use crate::ports::{MockAccessTokens, MockAccountRepository, MockPasswordHasher, MockSessionRepository};
use crate::services::support::test_support::{account, deps_with, T0};

fn tenant() -> TenantId {
    TenantId::default_tenant()
}

fn hasher_matching(good: &'static str) -> MockPasswordHasher {
    let mut passwords = MockPasswordHasher::new();
    passwords
        .expect_hash()
        .returning(|_| Ok(PasswordHash::from_stored("$2b$04$decoy".into())));
    passwords
        .expect_verify()
        .returning(move |p, h| Ok(p.expose() == good && h.as_str() == "$2b$04$real"));
    passwords
}

/// The replacement keeps the sign-in time and end of the session it replaces.
#[test]
fn a_replacement_keeps_the_sign_in_time_and_the_end() {
    let service = SignIn::new(
        deps_with(
            MockAccountRepository::new(),
            MockSessionRepository::new(),
            MockPasswordHasher::new(),
        ),
        Default::default(),
    );
    let old = Session {
        id: SessionId(uuid::Uuid::from_u128(55)),
        tenant: tenant(),
        account: account().uuid,
        created_at: T0 - Duration::minutes(3),
        expires_at: T0 + Duration::hours(1),
        revoked_at: None,
        country: Some("IN".into()),
        device: None,
        ip: None,
        sign_in_method: crate::session::SignInMethod::Password,
        last_seen_at: T0 - Duration::minutes(3),
    };
    let by = service.replacement_for(&old);
    assert_ne!(by.id, old.id);
    assert_eq!(Session { id: old.id, ..by }, old);
}

#[tokio::test]
async fn unknown_email_costs_a_verification_and_leaves_no_state() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_email().returning(|_, _| Ok(None));
    accounts.expect_record_sign_in_failure().never();
    let mut passwords = MockPasswordHasher::new();
    passwords
        .expect_hash()
        .times(1)
        .returning(|_| Ok(PasswordHash::from_stored("$2b$04$decoy".into())));
    passwords.expect_verify().times(2).returning(|_, _| Ok(false));
    let service = SignIn::new(
        deps_with(accounts, MockSessionRepository::new(), passwords),
        Default::default(),
    );
    for _ in 0..2 {
        let err = service
            .sign_in(&tenant(), "nobody@example.com", "whatever1")
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Unauthenticated));
    }
}

/// A busy hasher checked nothing: the customer is told to retry, nothing is counted against
/// the account, and an unknown address answers the same.
#[tokio::test]
async fn a_busy_hasher_counts_nothing_and_answers_overloaded() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_find_by_email().returning(|_, email| {
        Ok((email == "ann@example.com").then(|| {
            let mut stored = account();
            stored.sign_in.failures = 9;
            stored
        }))
    });
    accounts.expect_record_sign_in_failure().never();
    accounts.expect_lock_sign_in().never();
    let mut passwords = MockPasswordHasher::new();
    passwords
        .expect_hash()
        .returning(|_| Ok(PasswordHash::from_stored("$2b$04$decoy".into())));
    passwords.expect_verify().returning(|_, _| Err(HashError::Busy));
    let service = SignIn::new(
        deps_with(accounts, MockSessionRepository::new(), passwords),
        Default::default(),
    );
    for email in ["ann@example.com", "nobody@example.com"] {
        let err = service
            .sign_in(&tenant(), email, "right-password")
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Overloaded), "{email}: {err:?}");
    }
}

#[tokio::test]
async fn tenth_failure_locks_the_account() {
    let mut accounts = MockAccountRepository::new();
    let mut stored = account();
    stored.sign_in.failures = 9;
    accounts
        .expect_find_by_email()
        .returning(move |_, _| Ok(Some(stored.clone())));
    accounts
        .expect_record_sign_in_failure()
        .withf(|_, _, audit| audit.kind == AuditKind::SignInFailed)
        .times(1)
        .returning(|_, _, _| Ok(10));
    accounts
        .expect_lock_sign_in()
        .withf(|t, uuid, until, audit| {
            (t, *uuid, *until, audit.kind)
                == (
                    &tenant(),
                    account().uuid,
                    T0 + Duration::minutes(1),
                    AuditKind::SignInLocked,
                )
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let service = SignIn::new(
        deps_with(
            accounts,
            MockSessionRepository::new(),
            hasher_matching("right-password"),
        ),
        Default::default(),
    );
    let err = service
        .sign_in(&tenant(), "ann@example.com", "wrong-password")
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Unauthenticated));
}

#[tokio::test]
async fn locked_account_refuses_even_the_right_password() {
    let mut accounts = MockAccountRepository::new();
    let mut stored = account();
    stored.sign_in.failures = 10;
    stored.sign_in.locked_until = Some(T0 + Duration::seconds(30));
    accounts
        .expect_find_by_email()
        .returning(move |_, _| Ok(Some(stored.clone())));
    accounts.expect_record_sign_in_failure().never();
    let service = SignIn::new(
        deps_with(
            accounts,
            MockSessionRepository::new(),
            hasher_matching("right-password"),
        ),
        Default::default(),
    );
    let err = service
        .sign_in(&tenant(), "ann@example.com", "right-password")
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Unauthenticated));
}

#[tokio::test]
async fn success_resets_failures_and_opens_a_session() {
    let mut accounts = MockAccountRepository::new();
    let mut stored = account();
    stored.sign_in.failures = 3;
    accounts
        .expect_find_by_email()
        .returning(move |_, _| Ok(Some(stored.clone())));
    accounts
        .expect_reset_sign_in_failures()
        .times(1)
        .returning(|_, _| Ok(()));
    let mut sessions = MockSessionRepository::new();
    sessions.expect_create().times(1).returning(|_, _, _| Ok(true));
    let service = SignIn::new(
        deps_with(accounts, sessions, hasher_matching("right-password")),
        Default::default(),
    );
    let signed_in = service
        .sign_in(&tenant(), "ANN@example.com", "right-password")
        .await
        .unwrap();
    assert_eq!(signed_in.token, "signed-token");
    assert_eq!(signed_in.session.expires_at, T0 + Duration::hours(24));
}

#[tokio::test]
async fn pending_account_with_right_password_is_refused() {
    let mut accounts = MockAccountRepository::new();
    let mut stored = account();
    stored.status = crate::account::AccountStatus::PendingActivation;
    accounts
        .expect_find_by_email()
        .returning(move |_, _| Ok(Some(stored.clone())));
    let mut sessions = MockSessionRepository::new();
    sessions.expect_create().never();
    let service = SignIn::new(
        deps_with(accounts, sessions, hasher_matching("right-password")),
        Default::default(),
    );
    assert!(service
        .sign_in(&tenant(), "ann@example.com", "right-password")
        .await
        .is_err());
}

#[tokio::test]
async fn token_of_a_revoked_session_is_refused() {
    let mut sessions = MockSessionRepository::new();
    sessions.expect_find_active().returning(|_, _| Ok(None));
    let mut deps = deps_with(MockAccountRepository::new(), sessions, MockPasswordHasher::new());
    let mut tokens = MockAccessTokens::new();
    tokens.expect_verify().returning(|_| {
        Ok(AccessClaims {
            session: SessionId(uuid::Uuid::nil()),
            account: account().uuid,
            tenant: TenantId::default_tenant(),
            issued_at: T0,
            expires_at: T0 + Duration::hours(1),
        })
    });
    deps.tokens = std::sync::Arc::new(tokens);
    let service = SignIn::new(deps, Default::default());
    assert!(matches!(
        service.authenticate("t").await,
        Err(DomainError::Unauthenticated)
    ));
}

/// An imported hash is proven with its scheme once, then replaced by a hash of our own only
/// while the account still holds it: a sign-in that lost the race checks against the winner's.
#[tokio::test]
async fn an_imported_hash_is_replaced_at_the_first_sign_in() {
    let signed_in = |replaced: bool| {
        let mut accounts = MockAccountRepository::new();
        // The winner of a race wrote its own hash of the same password.
        accounts.expect_find_by_uuid().returning(|_, _| {
            let mut stored = account();
            stored.password_hash = Some(PasswordHash::from_stored("$2b$04$winner".into()));
            Ok(Some(stored))
        });
        accounts.expect_find_by_email().returning(|_, _| {
            let mut stored = account();
            stored.password_hash = Some(PasswordHash::imported("pbkdf2_sha256$1$s$h"));
            Ok(Some(stored))
        });
        accounts
            .expect_replace_password_hash()
            .withf(|_, _, from, to| from.is_imported() && to.as_str() == "$2b$04$own")
            .times(1)
            .returning(move |_, _, _, _| Ok(replaced));
        accounts.expect_reset_sign_in_failures().returning(|_, _| Ok(()));
        let mut passwords = MockPasswordHasher::new();
        passwords.expect_verify().returning(|p, h| {
            let ours_or_imported = h.is_imported() || h.as_str() == "$2b$04$winner";
            Ok(ours_or_imported && p.expose() == "old system's")
        });
        passwords
            .expect_hash()
            .times(1)
            .returning(|_| Ok(PasswordHash::from_stored("$2b$04$own".into())));
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_create()
            .withf(|_, checked, _| checked.as_ref().is_some_and(|h| !h.is_imported()))
            .returning(|_, _, _| Ok(true));
        let mut tokens = MockAccessTokens::new();
        tokens.expect_issue().returning(|_| Ok("token".into()));
        let mut deps = deps_with(accounts, sessions, passwords);
        deps.tokens = std::sync::Arc::new(tokens);
        SignIn::new(deps, Default::default())
    };
    let won = signed_in(true)
        .sign_in(&tenant(), "ann@example.com", "old system's")
        .await;
    assert!(won.is_ok(), "{won:?}");
    let lost = signed_in(false)
        .sign_in(&tenant(), "ann@example.com", "old system's")
        .await;
    assert!(lost.is_ok(), "checked against the winner's hash: {lost:?}");
}
