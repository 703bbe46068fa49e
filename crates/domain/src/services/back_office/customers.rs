use std::sync::Arc;

use crate::account::{external_id, Account, AccountStatus, AccountUuid, NewAccount, PublicId};
use crate::audit::{Actor, AuditKind};
use crate::error::{DomainError, FieldErrors};
use crate::lifecycle::{IllegalTransition, MadeBy};
use crate::ports::Commit;
use crate::profile::{Profile, ProfileEdit};
use crate::services::profile::personal_details::taken;
use crate::services::support::ids::with_fresh_ids;
use crate::services::support::reapply::on_current_account;
use crate::services::{Deps, FlowDeps, Invitation, Onboarding};
use crate::tenant::TenantId;
use crate::values::{Email, Password};

/// A customer as the back office creates it.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub email: String,
    pub password: Option<String>,
    pub profile: ProfileEdit,
    /// An earlier system's id for the customer, unique within the tenant.
    pub external_id: Option<String>,
}

/// How the back office names a customer: by numeric id or UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerRef {
    Public(PublicId),
    Uuid(AccountUuid),
}

impl CustomerRef {
    pub fn parse(raw: &str) -> Option<Self> {
        if let Ok(number) = raw.parse::<i64>() {
            return Some(CustomerRef::Public(PublicId(number)));
        }
        raw.parse::<uuid::Uuid>()
            .ok()
            .map(|u| CustomerRef::Uuid(AccountUuid(u)))
    }
}

/// The back office's customer management.
pub struct Customers {
    deps: Deps,
    /// Commits edits that are transitions of the account (a new phone number).
    flows: FlowDeps,
    /// Creates invited accounts (no password given); without it a password is required.
    invitations: Option<Arc<Onboarding>>,
}

impl Customers {
    pub fn new(deps: Deps, flows: FlowDeps, invitations: Option<Arc<Onboarding>>) -> Self {
        Customers {
            deps,
            flows,
            invitations,
        }
    }

    /// The back office edits a customer's profile fields, the birthday too (final for the
    /// customer once set: this is how a wrong one is corrected), audited as `profile_corrected`
    /// with the admin as actor. A new phone number is a transition as from any surface: every
    /// other open flow ends and the customer is told (and, when it is the second factor, every
    /// session ends). A number two-factor needs cannot be removed; a closed account is a
    /// `Conflict`.
    pub async fn edit(
        &self,
        tenant: &TenantId,
        customer: CustomerRef,
        edit: ProfileEdit,
    ) -> Result<Account, DomainError> {
        let now = self.deps.clock.now();
        let changes = edit.validate(now.date())?;
        let account = self.get(tenant, customer).await?;
        on_current_account(self.deps.accounts.as_ref(), account, |current| {
            let changes = changes.clone();
            async move {
                let next = Account {
                    profile: changes.apply_by_back_office(&current.profile),
                    ..current.clone()
                };
                let transition = current
                    .edit_by_back_office(next, now)
                    .map_err(|refused| match refused {
                        IllegalTransition::NotActive => DomainError::Conflict("the account is closed".into()),
                        other => other.into(),
                    })?;
                if transition.after() == &current {
                    return Ok(current);
                }
                let mut commit = self
                    .flows
                    .apply(&self.deps, Commit::at(now), &transition, MadeBy::back_office())
                    .await?;
                commit.audit.push(self.deps.audit_entry(
                    &current,
                    AuditKind::ProfileCorrected,
                    Actor::Admin,
                    None,
                ));
                self.flows.commits.commit(commit).await.map_err(taken)?;
                Ok(Account {
                    version: transition.after().version + 1,
                    ..transition.after().clone()
                })
            }
        })
        .await
    }

    /// What is wrong with `input`, without storing anything (see [`Customers::create`]).
    pub fn problems(&self, input: &NewCustomer) -> FieldErrors {
        self.validate(input).err().unwrap_or_default()
    }

    fn validate(&self, input: &NewCustomer) -> Result<(Email, Option<Password>, Profile), FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(&input.email)
            .map_err(|m| errors.add("email", m))
            .ok();
        let password = match input.password.as_deref() {
            Some(raw) => Password::new_secret(raw)
                .map_err(|m| errors.add("password", m))
                .ok()
                .map(Some),
            None if self.invitations.is_some() => Some(None),
            None => {
                errors.add("password", "is required");
                None
            }
        };
        if let Some(Err(message)) = input.external_id.as_deref().map(external_id) {
            errors.add("external_id", message);
        }
        let profile = match input.profile.clone().validate(self.deps.clock.now().date()) {
            Ok(changes) => changes
                .apply(&Profile::default())
                .map_err(|e| errors.extend(e))
                .ok(),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        match (email, password, profile) {
            (Some(email), Some(password), Some(profile)) => Ok((email, password, profile)),
            _ => Err(errors),
        }
    }

    /// Creates an active customer with a password, or without one an invited customer who
    /// gets an activation mail.
    pub async fn create(&self, tenant: &TenantId, input: NewCustomer) -> Result<Account, DomainError> {
        let now = self.deps.clock.now();
        let (email, password, profile) = self.validate(&input)?;
        let Some(password) = password else {
            let area = self
                .invitations
                .as_ref()
                .ok_or_else(|| FieldErrors::single("password", "is required"))?;
            let external_id = input.external_id.as_deref().and_then(|id| external_id(id).ok());
            return area
                .invite(
                    tenant,
                    Invitation {
                        email,
                        profile,
                        external_id,
                    },
                )
                .await;
        };
        let password_hash = self.deps.passwords.hash(&password).await?;
        let new = NewAccount {
            tenant: tenant.clone(),
            status: AccountStatus::Active,
            email,
            email_confirmed: true,
            password_hash: Some(password_hash),
            profile,
            external_id: input.external_id.as_deref().and_then(|id| external_id(id).ok()),
        };
        with_fresh_ids(self.deps.random.as_ref(), |uuid, public_id, attempt| {
            let account = new.clone().into_account(uuid, public_id, now, attempt);
            let commit = Commit::at(now).inserting(&account);
            async move { Ok(self.flows.commits.commit(commit).await.map(|()| account)) }
        })
        .await
    }

    /// The tenant's customer with the address `typed` (as typed: case and spaces do not
    /// matter), if any. An erased customer is found by no address.
    pub async fn find_by_email(
        &self,
        tenant: &TenantId,
        typed: &str,
    ) -> Result<Option<Account>, DomainError> {
        let found = self.deps.account_by_email(tenant, typed).await?;
        Ok(found.filter(|a| a.customer_email().is_some()))
    }

    pub async fn get(&self, tenant: &TenantId, customer: CustomerRef) -> Result<Account, DomainError> {
        self.deps.customer(tenant, customer).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{
        MockAccountRepository, MockPasswordHasher, MockSessionRepository, StoreError, UniqueKey,
    };
    use crate::services::support::test_support::deps_with;

    fn flows() -> FlowDeps {
        flows_with(crate::ports::MockUnitOfWork::new())
    }

    fn flows_with(commits: crate::ports::MockUnitOfWork) -> FlowDeps {
        crate::services::support::test_support::flow_deps(commits, crate::ports::MockTenantRepository::new())
    }

    /// The account a commit creates, announced as `customer.created`.
    fn inserted(commit: &crate::ports::Commit) -> Account {
        let [crate::ports::AccountWrite::Insert(account)] = commit.accounts.as_slice() else {
            panic!("not one insert: {commit:?}");
        };
        assert_eq!(commit.events.len(), 1);
        assert_eq!(commit.events[0].kind, crate::webhooks::EventType::CustomerCreated);
        assert_eq!(commit.events[0].account, Some(account.uuid));
        account.clone()
    }
    use crate::values::PasswordHash;

    fn hasher() -> MockPasswordHasher {
        let mut passwords = MockPasswordHasher::new();
        passwords
            .expect_hash()
            .returning(|_| Ok(PasswordHash::from_stored("$2b$04$h".into())));
        passwords
    }

    fn input() -> NewCustomer {
        NewCustomer {
            email: "Ann@Example.com".into(),
            password: Some("correct horse".into()),
            profile: ProfileEdit::default(),
            external_id: None,
        }
    }

    #[tokio::test]
    async fn id_collision_draws_another_id() {
        let mut commits = crate::ports::MockUnitOfWork::new();
        let mut seq = mockall::Sequence::new();
        commits
            .expect_commit()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Err(StoreError::Duplicate(UniqueKey::PublicId)));
        commits
            .expect_commit()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|commit| {
                inserted(&commit);
                Ok(())
            });
        let service = Customers::new(
            deps_with(
                MockAccountRepository::new(),
                MockSessionRepository::new(),
                hasher(),
            ),
            flows_with(commits),
            None,
        );
        let account = service
            .create(&TenantId::default_tenant(), input())
            .await
            .unwrap();
        assert_eq!(account.email.unwrap().normalized(), "ann@example.com");
        assert_eq!(account.status, AccountStatus::Active);
    }

    #[tokio::test]
    async fn a_taken_username_is_drawn_again_with_digits() {
        let mut commits = crate::ports::MockUnitOfWork::new();
        let mut calls = 0;
        commits.expect_commit().times(2).returning(move |commit| {
            let account = inserted(&commit);
            calls += 1;
            let name = account.profile.username.clone().unwrap();
            if calls == 1 {
                assert_eq!(name, "ann");
                Err(StoreError::Duplicate(UniqueKey::Username))
            } else {
                let digits = name.strip_prefix("ann_").expect("the local part and digits");
                assert_eq!(digits, account.public_id.0.to_string(), "unique as the id is");
                Ok(())
            }
        });
        let service = Customers::new(
            deps_with(
                MockAccountRepository::new(),
                MockSessionRepository::new(),
                hasher(),
            ),
            flows_with(commits),
            None,
        );
        let account = service
            .create(&TenantId::default_tenant(), input())
            .await
            .unwrap();
        assert!(account.profile.username.unwrap().starts_with("ann_"));
    }

    #[tokio::test]
    async fn taken_email_is_a_conflict() {
        let mut commits = crate::ports::MockUnitOfWork::new();
        commits
            .expect_commit()
            .returning(|_| Err(StoreError::Duplicate(UniqueKey::Email)));
        let service = Customers::new(
            deps_with(
                MockAccountRepository::new(),
                MockSessionRepository::new(),
                hasher(),
            ),
            flows_with(commits),
            None,
        );
        let err = service
            .create(&TenantId::default_tenant(), input())
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Conflict(_)));
    }

    #[tokio::test]
    async fn every_invalid_field_is_reported_and_nothing_hashed() {
        let mut passwords = MockPasswordHasher::new();
        passwords.expect_hash().never();
        let service = Customers::new(
            deps_with(
                MockAccountRepository::new(),
                MockSessionRepository::new(),
                passwords,
            ),
            flows(),
            None,
        );
        let bad = NewCustomer {
            email: "nope".into(),
            password: Some("short".into()),
            profile: ProfileEdit {
                locale: crate::Patch::Set(Some("xx_XXX".into())),
                ..Default::default()
            },
            external_id: Some("  ".into()),
        };
        let Err(DomainError::Invalid(errors)) = service.create(&TenantId::default_tenant(), bad).await else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(fields, ["email", "external_id", "locale", "password"]);
    }

    #[test]
    fn customer_refs_parse_numbers_and_uuids() {
        assert_eq!(CustomerRef::parse("42"), Some(CustomerRef::Public(PublicId(42))));
        assert!(matches!(
            CustomerRef::parse("36f59381-5b54-48bd-a0c7-3b908c476732"),
            Some(CustomerRef::Uuid(_))
        ));
        assert_eq!(CustomerRef::parse("x"), None);
    }
}
