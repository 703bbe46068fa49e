use crate::account::Account;
use crate::error::{DomainError, FieldErrors};
use crate::lifecycle::MadeBy;
use crate::profile::ProfileEdit;
use crate::services::support::reapply::{account_to_decide_on, on_current_account, Attempt, IfVersion};
use crate::services::{Authenticated, Deps, FlowDeps};

/// Reading and editing one's own profile.
pub struct Profiles {
    deps: Deps,
    /// Stores an edit that changes the phone number with its notice.
    flows: FlowDeps,
}

impl Profiles {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        Profiles { deps, flows }
    }

    /// What is wrong with `edit`, without storing anything: lets a surface report these
    /// together with its own (unknown fields, wrong JSON types) in one answer.
    pub fn problems(&self, edit: &ProfileEdit) -> FieldErrors {
        edit.clone()
            .validate(self.deps.clock.now().date())
            .err()
            .unwrap_or_default()
    }

    /// Validates the edit and stores it. A concurrent writer does not make either lose its
    /// fields: the edit is re-applied to the account as it is now.
    pub async fn edit(&self, who: &Authenticated, edit: ProfileEdit) -> Result<Account, DomainError> {
        self.edit_if(who, edit, IfVersion::any()).await
    }

    /// [`Self::edit`], only while the account is at a version the caller names
    /// (`PreconditionFailed` otherwise, nothing stored).
    pub async fn edit_if(
        &self,
        who: &Authenticated,
        edit: ProfileEdit,
        if_version: IfVersion,
    ) -> Result<Account, DomainError> {
        let now = self.deps.clock.now();
        let changes = edit.validate(now.date())?;
        let session = who.session.id;
        let turn = self.deps.turns.take(&who.account.tenant, who.account.uuid).await;
        let reload = if_version.is_conditional() || turn.waited();
        let start = account_to_decide_on(self.deps.accounts.as_ref(), &who.account, reload).await?;
        on_current_account(self.deps.accounts.as_ref(), start, |current| {
            let changes = changes.clone();
            let if_version = &if_version;
            async move {
                // Decided on the account as stored: one deleted meanwhile gets nothing back.
                if !current.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
                if_version.holds_for(&current)?;
                let profile = changes.apply(&current.profile).map_err(DomainError::from)?;
                current
                    .keeps_second_factor(&profile, crate::profile::field::PHONE)
                    .map_err(DomainError::from)?;
                if profile == current.profile {
                    return Ok(current);
                }
                let next = Account {
                    profile,
                    ..current.clone()
                };
                let transition = current.edit(next, now).map_err(DomainError::from)?;
                let by = MadeBy::customer().from_session(session);
                Ok::<_, Attempt>(self.flows.store_edit(&self.deps, &transition, by).await?)
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditKind;
    use crate::patch::Patch;
    use crate::ports::{
        AccountWrite, MockAccountRepository, MockPasswordHasher, MockSessionRepository, MockTenantRepository,
        MockUnitOfWork, StoreError,
    };
    use crate::services::support::test_support::{account, deps_with, flow_deps, T0};
    use crate::session::{Session, SessionId};
    use crate::values::Name;

    fn caller() -> Authenticated {
        let account = account();
        Authenticated {
            session: Session {
                id: SessionId(uuid::Uuid::nil()),
                tenant: account.tenant.clone(),
                account: account.uuid,
                created_at: T0,
                expires_at: T0,
                revoked_at: None,
                country: None,
                device: None,
                ip: None,
                sign_in_method: crate::session::SignInMethod::Password,
                last_seen_at: T0,
            },
            account,
        }
    }

    fn profiles(accounts: MockAccountRepository, commits: MockUnitOfWork) -> Profiles {
        Profiles::new(
            deps_with(accounts, MockSessionRepository::new(), MockPasswordHasher::new()),
            flow_deps(commits, MockTenantRepository::new()),
        )
    }

    fn nickname(value: &str) -> ProfileEdit {
        ProfileEdit {
            nickname: Patch::Set(Some(value.into())),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn lost_race_reapplies_the_edit_to_the_fresh_account() {
        let mut accounts = MockAccountRepository::new();
        let mut commits = MockUnitOfWork::new();
        let mut seq = mockall::Sequence::new();
        commits
            .expect_commit()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Err(StoreError::VersionMismatch));
        accounts
            .expect_find_by_uuid()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| {
                let mut fresh = account();
                fresh.version = 4;
                fresh.profile.last_name = Some(Name::parse("Concurrent").unwrap());
                Ok(Some(fresh))
            });
        commits
            .expect_commit()
            .times(1)
            .in_sequence(&mut seq)
            .withf(|commit| {
                let reapplied = matches!(
                    commit.accounts.as_slice(),
                    [AccountWrite::Update(a)] if a.version == 4
                        && a.profile.last_name.as_ref().unwrap().as_str() == "Concurrent"
                );
                // Announced in the same commit: the names of the fields, not their values.
                let announced = commit.events.len() == 1
                    && commit.events[0].data.get("fields") == Some(&serde_json::json!(["nickname"]));
                reapplied && announced
            })
            .returning(|_| Ok(()));
        let service = profiles(accounts, commits);
        let saved = service.edit(&caller(), nickname("Nick")).await.unwrap();
        assert_eq!(saved.version, 5);
        assert_eq!(saved.profile.nickname.unwrap().as_str(), "Nick");
    }

    #[tokio::test]
    async fn an_edit_that_lost_to_a_deletion_writes_nothing() {
        let mut accounts = MockAccountRepository::new();
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .times(1)
            .returning(|_| Err(StoreError::VersionMismatch));
        accounts.expect_find_by_uuid().times(1).returning(|_, _| {
            let mut erased = account();
            erased.status = crate::account::AccountStatus::Deactivated;
            erased.version = 4;
            Ok(Some(erased))
        });
        let service = profiles(accounts, commits);
        let err = service.edit(&caller(), nickname("Nick")).await.unwrap_err();
        assert!(matches!(err, DomainError::Unauthenticated), "{err:?}");
    }

    /// The caller read version 3; a concurrent writer moved it to 4 before this edit landed:
    /// re-applied to 4 it would overwrite what the caller never saw, so it is refused.
    #[tokio::test]
    async fn an_edit_for_a_version_lost_in_a_race_is_refused_and_writes_nothing_more() {
        let mut accounts = MockAccountRepository::new();
        let mut seq = mockall::Sequence::new();
        // A conditional edit starts from the account as stored (version 3, as read).
        accounts
            .expect_find_by_uuid()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| Ok(Some(account())));
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Err(StoreError::VersionMismatch));
        accounts
            .expect_find_by_uuid()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _| {
                let mut fresh = account();
                fresh.version = 4;
                Ok(Some(fresh))
            });
        let service = profiles(accounts, commits);
        let err = service
            .edit_if(&caller(), nickname("Nick"), IfVersion::one_of(vec![3]))
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");

        let mut accounts = MockAccountRepository::new();
        accounts.expect_update().never();
        accounts
            .expect_find_by_uuid()
            .times(1)
            .returning(|_, _| Ok(Some(account())));
        let mut commits = MockUnitOfWork::new();
        commits.expect_commit().never();
        let service = profiles(accounts, commits);
        let err = service
            .edit_if(&caller(), nickname("Nick"), IfVersion::one_of(vec![2]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::PreconditionFailed),
            "an older version: nothing stored"
        );
    }

    #[tokio::test]
    async fn invalid_edit_writes_nothing() {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_update().never();
        let service = profiles(accounts, MockUnitOfWork::new());
        let err = service.edit(&caller(), nickname("   ")).await.unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)));
    }

    #[tokio::test]
    async fn endless_races_end_in_a_conflict() {
        let mut accounts = MockAccountRepository::new();
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .times(crate::services::support::reapply::ATTEMPTS)
            .returning(|_| Err(StoreError::VersionMismatch));
        accounts
            .expect_find_by_uuid()
            .returning(|_, _| Ok(Some(account())));
        let service = profiles(accounts, commits);
        let err = service.edit(&caller(), nickname("Nick")).await.unwrap_err();
        assert!(matches!(err, DomainError::Conflict(_)));
    }

    /// A new phone number (where a second factor goes) is committed with its audit entry and
    /// a notice to the confirmed address, in one unit of work.
    #[tokio::test]
    async fn a_new_phone_number_is_audited_and_the_address_told() {
        let mut accounts = MockAccountRepository::new();
        accounts.expect_update().never();
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .withf(|commit| {
                let updated = matches!(
                    commit.accounts.as_slice(),
                    [AccountWrite::Update(a)] if a.version == 3
                        && a.profile.phone.as_ref().map(|p| p.as_str()) == Some("+14155550123")
                );
                let audited =
                    commit.audit.iter().map(|e| e.kind).collect::<Vec<_>>() == [AuditKind::PhoneChanged];
                let told = commit.messages.len() == 1 && commit.messages[0].recipient == "ann@example.com";
                updated && audited && told
            })
            .times(1)
            .returning(|_| Ok(()));
        let edit = ProfileEdit {
            phone: Patch::Set(Some("+1 415 555 0123".into())),
            ..Default::default()
        };
        let saved = profiles(accounts, commits).edit(&caller(), edit).await.unwrap();
        assert_eq!(saved.version, 4);
    }

    #[tokio::test]
    async fn a_notice_greets_with_the_name_the_same_edit_gave() {
        let mut commits = MockUnitOfWork::new();
        commits
            .expect_commit()
            .withf(|commit| {
                // The back office's copy shows what the notice says (the renderer of these
                // tests writes each value on a line).
                commit.messages.len() == 1
                    && commit.messages[0].masked_text.contains("name: Anna\n")
                    && commit.messages[0].recipient == "ann@example.com"
            })
            .times(1)
            .returning(|_| Ok(()));
        let edit = ProfileEdit {
            first_name: Patch::Set(Some("Anna".into())),
            phone: Patch::Set(Some("+1 415 555 0123".into())),
            ..Default::default()
        };
        profiles(MockAccountRepository::new(), commits)
            .edit(&caller(), edit)
            .await
            .unwrap();
    }
}
