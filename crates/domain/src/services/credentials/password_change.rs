//! Changing one's password while signed in (TSS `change-password`): the current password is
//! confirmed (a wrong one counts toward the sign-in lockout), the new one meets the same policy
//! as at activation, every other session is signed out (the one in hand keeps working), open
//! reset codes stop working, and a notice is mailed — all in one commit.

use crate::error::{DomainError, FieldErrors};
use crate::lifecycle::MadeBy;
use crate::ports::{Commit, HashError};
use crate::services::sign_in::password::count_sign_in_failure;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::support::FlowDeps;
use crate::services::{Authenticated, Deps};
use crate::values::Password;

pub const OLD_PASSWORD: &str = "old_password";
pub const PASSWORD: &str = "password";

pub struct PasswordChange {
    deps: Deps,
    flows: FlowDeps,
}

impl PasswordChange {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        PasswordChange { deps, flows }
    }

    /// Sets the caller's password to `new`. `old` must be the current password; an account
    /// without one (made by the back office or a tenant's app) sets one with `old` empty.
    /// Field errors name `old_password` or `password`; a wrong `old` is counted like a wrong
    /// sign-in, and a locked account is refused the same way without a check.
    pub async fn change(&self, who: &Authenticated, old: &str, new: &str) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let account = self
            .deps
            .accounts
            .find_by_uuid(&who.account.tenant, who.account.uuid)
            .await?
            .filter(|a| a.status.may_sign_in())
            .ok_or(DomainError::Unauthenticated)?;
        let mut errors = FieldErrors::new();
        let new = Password::new_secret(new)
            .map_err(|m| errors.add(PASSWORD, m))
            .ok();
        if account.password_hash.is_some() && old.is_empty() {
            errors.add(OLD_PASSWORD, "is required");
        }
        if account.password_hash.is_none() && !old.is_empty() {
            errors.add(OLD_PASSWORD, "must be empty: the account has no password yet");
        }
        if new.as_ref().is_some_and(|n| !old.is_empty() && n.expose() == old) {
            errors.add(PASSWORD, "must differ from the current password");
        }
        let Some(new) = new.filter(|_| errors.is_empty()) else {
            return Err(errors.into());
        };
        let confirmed = account.password_hash.clone();
        if let Some(hash) = &confirmed {
            let wrong = || FieldErrors::single(OLD_PASSWORD, "is not your current password").into();
            if account.sign_in.is_locked(now) {
                return Err(wrong());
            }
            let old = Password::candidate(old).map_err(|_| wrong())?;
            let matches = match self.deps.passwords.verify(&old, hash).await {
                Ok(matches) => matches,
                Err(HashError::Malformed) => false,
                Err(not_checked) => return Err(not_checked.into()),
            };
            if !matches {
                count_sign_in_failure(&self.deps, &account, now).await?;
                return Err(wrong());
            }
        }
        let hash = self.deps.passwords.hash(&new).await?;
        let keep = who.session.id;
        on_current_account(self.deps.accounts.as_ref(), account, |current| {
            let (hash, confirmed) = (hash.clone(), confirmed.clone());
            async move {
                if !current.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                // What was confirmed is what is replaced: not a password changed meanwhile.
                if current.password_hash != confirmed {
                    return Err(DomainError::Conflict(
                        "the password was changed meanwhile; try again".into(),
                    )
                    .into());
                }
                // Every other session and every open flow (a reset code, an email change, a
                // closing code, a sign-in challenge proven with the old password) end with it.
                let transition = current.change_password(hash, now).map_err(DomainError::from)?;
                let commit = self
                    .flows
                    .apply(
                        &self.deps,
                        Commit::at(now),
                        &transition,
                        MadeBy::customer().from_session(keep),
                    )
                    .await?;
                self.flows.commits.commit(commit).await?;
                Ok::<_, Attempt>(())
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::account::Account;
    use crate::audit::AuditKind;
    use crate::flow::FlowSettings;
    use crate::ports::{
        AccountWrite, MockAccountRepository, MockFlowRepository, MockPasswordHasher, MockSealer,
        MockSecretDigester, MockSessionRepository, MockTenantRepository, MockUnitOfWork, Revocation,
    };
    use crate::services::support::test_support::{account, deps_with, T0};
    use crate::services::LinkSettings;
    use crate::session::{Session, SessionId};
    use crate::values::PasswordHash;

    const KEPT: SessionId = SessionId(uuid::Uuid::from_u128(99));

    fn who(account: &Account) -> Authenticated {
        Authenticated {
            session: Session {
                id: KEPT,
                tenant: account.tenant.clone(),
                account: account.uuid,
                created_at: T0,
                expires_at: T0 + time::Duration::hours(1),
                revoked_at: None,
                country: None,
                device: None,
                ip: None,
                sign_in_method: crate::session::SignInMethod::Password,
                last_seen_at: T0,
            },
            account: account.clone(),
        }
    }

    fn service(stored: Account, verifies: bool, seen: Arc<Mutex<Vec<Commit>>>) -> PasswordChange {
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_find_by_uuid()
            .returning(move |_, _| Ok(Some(stored.clone())));
        accounts
            .expect_record_sign_in_failure()
            .returning(|_, _, _| Ok(1));
        let mut passwords = MockPasswordHasher::new();
        passwords.expect_verify().returning(move |_, _| Ok(verifies));
        passwords
            .expect_hash()
            .returning(|_| Ok(PasswordHash::from_stored("$2b$04$new".into())));
        let mut flows = MockFlowRepository::new();
        flows.expect_find_open().returning(|_, _, _| Ok(None));
        let mut commits = MockUnitOfWork::new();
        commits.expect_commit().returning(move |c| {
            seen.lock().unwrap().push(c);
            Ok(())
        });
        let mut sealer = MockSealer::new();
        sealer.expect_seal().returning(|t| format!("sealed {}", t.len()));
        let deps = deps_with(accounts, MockSessionRepository::new(), passwords);
        let flows = FlowDeps::new(
            crate::services::FlowPorts {
                flows: Arc::new(flows),
                commits: Arc::new(commits),
                digester: Arc::new(MockSecretDigester::new()),
                sealer: Arc::new(sealer),
                tenants: Arc::new({
                    let mut tenants = MockTenantRepository::new();
                    tenants.expect_get_tenant().returning(|_| Ok(None));
                    tenants
                }),
                renderer: Arc::new(crate::services::support::test_support::LinesRenderer),
                templates: Arc::new(crate::services::support::test_support::no_templates()),
                branding: crate::messages::InstanceBranding::from_config(
                    "Clientele <no-reply@localhost>",
                    None,
                ),
            },
            FlowSettings::default(),
            LinkSettings {
                public_url: "http://127.0.0.1:8080".into(),
                allowed_origins: Vec::new(),
                tenant: None,
            },
        );
        PasswordChange::new(deps, flows)
    }

    #[tokio::test]
    async fn the_change_keeps_the_session_in_hand_and_mails_a_notice() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let changer = service(account(), true, seen.clone());
        changer
            .change(&who(&account()), "old password", "a new long password")
            .await
            .unwrap();
        let commit = seen.lock().unwrap().pop().unwrap();
        assert_eq!(
            commit.revoke_sessions,
            [Revocation {
                tenant: account().tenant,
                account: account().uuid,
                keep: Some(KEPT),
                only: None,
            }]
        );
        match &commit.accounts[..] {
            [AccountWrite::Update(changed)] => {
                assert_eq!(changed.password_hash.as_ref().unwrap().as_str(), "$2b$04$new")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(commit.messages.len(), 1);
        assert!(!commit.messages[0].masked_text.contains("a new long password"));
        assert_eq!(commit.audit[0].kind, AuditKind::PasswordChanged);
    }

    #[tokio::test]
    async fn a_session_older_than_the_reauthentication_window_must_sign_in_again() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let changer = service(account(), true, seen.clone());
        let window = FlowSettings::default().reauth_max_age;
        let mut stale = who(&account());
        stale.session.created_at = T0 - window - time::Duration::seconds(1);
        let refused = changer
            .change(&stale, "old password", "a new long password")
            .await;
        assert!(matches!(refused, Err(DomainError::SignInAgain)), "{refused:?}");
        assert!(seen.lock().unwrap().is_empty(), "nothing changed");
        stale.session.created_at = T0 - window;
        let changed = changer
            .change(&stale, "old password", "a new long password")
            .await;
        assert!(
            changed.is_ok(),
            "a sign-in exactly as old as the window counts: {changed:?}"
        );
    }

    #[tokio::test]
    async fn an_account_without_a_password_sets_one_with_the_old_one_empty() {
        let without = Account {
            password_hash: None,
            ..account()
        };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let changer = service(without.clone(), false, seen.clone());
        let refused = changer
            .change(&who(&without), "anything", "a new long password")
            .await
            .unwrap_err();
        assert!(
            matches!(refused, DomainError::Invalid(ref e) if e.iter().any(|(f, _)| f == OLD_PASSWORD)),
            "{refused:?}"
        );
        changer
            .change(&who(&without), "", "a new long password")
            .await
            .unwrap();
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_wrong_old_password_changes_nothing() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let changer = service(account(), false, seen.clone());
        let refused = changer
            .change(&who(&account()), "wrong", "a new long password")
            .await
            .unwrap_err();
        assert!(
            matches!(refused, DomainError::Invalid(ref e) if e.iter().any(|(f, _)| f == OLD_PASSWORD)),
            "{refused:?}"
        );
        assert!(seen.lock().unwrap().is_empty());
    }
}
