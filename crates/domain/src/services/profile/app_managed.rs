//! A tenant's app, authenticated by its API key, replacing the profile fields it manages for one
//! of the tenant's users, and reading back what it shows of them (the CL2C surface).

use crate::account::{Account, AccountUuid};
use crate::error::{DomainError, FieldErrors};
use crate::lifecycle::MadeBy;
use crate::patch::Patch;
use crate::profile::ProfileEdit;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::{Deps, FlowDeps};
use crate::session::Session;
use crate::tenant::TenantId;

/// Field name of the push token in errors (the others are the profile's).
pub const PUSH_TOKEN: &str = "push_token";
/// Longest push token kept (APNs and FCM tokens are far shorter).
const PUSH_TOKEN_LEN: usize = 4096;

/// The fields an app replaces, as received: an absent optional field clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppUserChange {
    pub first_name: String,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub push_token: Option<String>,
}

/// A user as an app sees it: the account and its most recent live session.
#[derive(Debug, Clone)]
pub struct AppUserView {
    pub account: Account,
    pub latest_session: Option<Session>,
}

pub struct AppUsers {
    deps: Deps,
    /// Stores an edit that changes the phone number with its notice.
    flows: FlowDeps,
}

impl AppUserChange {
    fn profile_edit(&self) -> ProfileEdit {
        ProfileEdit {
            first_name: Patch::Set(Some(self.first_name.clone())),
            last_name: Patch::Set(self.last_name.clone()),
            phone: Patch::Set(self.phone.clone()),
            ..ProfileEdit::default()
        }
    }

    fn checked_push_token(&self) -> Result<Option<String>, FieldErrors> {
        match &self.push_token {
            Some(token) if token.chars().count() > PUSH_TOKEN_LEN || token.chars().any(char::is_control) => {
                Err(FieldErrors::single(
                    PUSH_TOKEN,
                    "must be at most 4096 characters without control characters",
                ))
            }
            Some(token) if token.is_empty() => Ok(None),
            other => Ok(other.clone()),
        }
    }
}

impl AppUsers {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        AppUsers { deps, flows }
    }

    /// What is wrong with `change`, without storing anything.
    pub fn problems(&self, change: &AppUserChange) -> FieldErrors {
        let mut errors = change
            .profile_edit()
            .validate(self.deps.clock.now().date())
            .err()
            .unwrap_or_default();
        errors.extend(change.checked_push_token().err().unwrap_or_default());
        errors
    }

    /// Replaces the user's names, phone and push token. `NotFound` when the tenant has no such
    /// user, or only a closed account: nothing is written to an account that was closed, even
    /// one closed while this runs.
    pub async fn replace(
        &self,
        tenant: &TenantId,
        user: AccountUuid,
        change: AppUserChange,
    ) -> Result<AppUserView, DomainError> {
        let now = self.deps.clock.now();
        let problems = self.problems(&change);
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        let changes = change.profile_edit().validate(now.date())?;
        let push_token = change.checked_push_token()?;
        // Read in its turn: the edit before it on this instance has committed by then.
        let turn = self.deps.turns.take(tenant, user).await;
        let account = self
            .deps
            .accounts
            .find_by_uuid(tenant, user)
            .await?
            .ok_or(DomainError::NotFound)?;
        let account = on_current_account(self.deps.accounts.as_ref(), account, |current| {
            let (changes, push_token) = (changes.clone(), push_token.clone());
            async move {
                if current.status.is_closed() {
                    return Err(DomainError::NotFound.into());
                }
                let mut profile = changes.apply(&current.profile).map_err(DomainError::from)?;
                // An app that leaves the number out does not take the second factor away.
                if current.two_factor && profile.phone.is_none() {
                    profile.phone = current.profile.phone.clone();
                }
                current
                    .keeps_second_factor(&profile, crate::profile::field::PHONE)
                    .map_err(DomainError::from)?;
                profile.push_token = push_token;
                if profile == current.profile {
                    return Ok(current);
                }
                let next = Account {
                    profile,
                    ..current.clone()
                };
                let transition = current.edit_by_app(next, now).map_err(DomainError::from)?;
                let by = MadeBy::customer();
                Ok::<_, Attempt>(self.flows.store_edit(&self.deps, &transition, by).await?)
            }
        })
        .await?;
        drop(turn);
        let latest_session = self.deps.sessions.latest_active(tenant, user, now).await?;
        Ok(AppUserView {
            account,
            latest_session,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditKind;
    use crate::ports::{
        MockAccountRepository, MockPasswordHasher, MockSessionRepository, MockTenantRepository,
        MockUnitOfWork,
    };
    use crate::services::support::test_support::{account, deps_with, flow_deps};

    fn users(
        accounts: MockAccountRepository,
        sessions: MockSessionRepository,
        commits: MockUnitOfWork,
    ) -> AppUsers {
        AppUsers::new(
            deps_with(accounts, sessions, MockPasswordHasher::new()),
            flow_deps(commits, MockTenantRepository::new()),
        )
    }

    fn change() -> AppUserChange {
        AppUserChange {
            first_name: "John".into(),
            last_name: None,
            phone: Some("+1234567890".into()),
            push_token: Some("push_token_example".into()),
        }
    }

    #[tokio::test]
    async fn omitted_fields_are_cleared_and_the_rest_replaced() {
        let mut accounts = MockAccountRepository::new();
        let mut stored = account();
        stored.profile.last_name = Some(crate::values::Name::parse("Doe").unwrap());
        accounts
            .expect_find_by_uuid()
            .returning(move |_, _| Ok(Some(stored.clone())));
        // A number the account did not have: committed with its audit entry and notice.
        accounts.expect_update().never();
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .withf(|c| c.audit.iter().map(|e| e.kind).eq([AuditKind::PhoneChanged]) && c.messages.len() == 1)
            .times(1)
            .returning(|_| Ok(()));
        let mut sessions = MockSessionRepository::new();
        sessions.expect_latest_active().returning(|_, _, _| Ok(None));
        let users = users(accounts, sessions, commits);
        let view = users
            .replace(&account().tenant, account().uuid, change())
            .await
            .unwrap();
        let profile = &view.account.profile;
        assert_eq!(profile.first_name.as_ref().unwrap().as_str(), "John");
        assert_eq!(profile.last_name, None, "omitted: cleared");
        assert_eq!(profile.phone.as_ref().unwrap().as_str(), "+1234567890");
        assert_eq!(profile.push_token.as_deref(), Some("push_token_example"));
    }

    #[tokio::test]
    async fn with_two_factor_on_the_number_stays_unless_a_code_changes_it() {
        let mut accounts = MockAccountRepository::new();
        let mut stored = account();
        stored.two_factor = true;
        stored.profile.phone = Some(crate::values::Phone::parse("+919876543210").unwrap());
        accounts
            .expect_find_by_uuid()
            .returning(move |_, _| Ok(Some(stored.clone())));
        // The names and the push token change: one commit, announced as `customer.updated`.
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .withf(|c| {
                c.events.len() == 1
                    && c.events[0].data.get("fields") == Some(&serde_json::json!(["firstName", "pushToken"]))
            })
            .times(1)
            .returning(|_| Ok(()));
        let mut sessions = MockSessionRepository::new();
        sessions.expect_latest_active().returning(|_, _, _| Ok(None));
        let users = users(accounts, sessions, commits);
        let omitted = AppUserChange {
            phone: None,
            ..change()
        };
        let view = users
            .replace(&account().tenant, account().uuid, omitted)
            .await
            .unwrap();
        assert_eq!(
            view.account.profile.phone.unwrap().as_str(),
            "+919876543210",
            "an app that leaves the number out keeps the second factor"
        );
        let err = users
            .replace(&account().tenant, account().uuid, change())
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid(ref e) if e.iter().any(|(f, _)| f == "phone")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_closed_account_gets_nothing() {
        let mut accounts = MockAccountRepository::new();
        let mut closed = account();
        closed.status = crate::account::AccountStatus::Deactivated;
        accounts
            .expect_find_by_uuid()
            .returning(move |_, _| Ok(Some(closed.clone())));
        accounts.expect_update().never();
        let users = users(accounts, MockSessionRepository::new(), MockUnitOfWork::new());
        let err = users
            .replace(&account().tenant, account().uuid, change())
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::NotFound));
    }

    #[test]
    fn every_problem_is_reported() {
        let users = users(
            MockAccountRepository::new(),
            MockSessionRepository::new(),
            MockUnitOfWork::new(),
        );
        let bad = AppUserChange {
            first_name: String::new(),
            last_name: None,
            phone: Some("not a phone".into()),
            push_token: Some("x".repeat(5000)),
        };
        let problems = users.problems(&bad);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["first_name", "phone", "push_token"]);
    }
}
