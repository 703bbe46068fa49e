//! Signing up, and the back office's invitation: an account pending activation and its mailed
//! secret.

use crate::account::{Account, AccountStatus, NewAccount};
use crate::customer_edit::split_name;
use crate::error::{DomainError, FieldErrors};
use crate::flow::{Purpose, SendClass};
use crate::messages::Content;
use crate::ports::{Commit, StoreError};
use crate::profile::Profile;
use crate::services::support::ids::with_fresh_ids;
use crate::services::support::reapply::on_current_account;
use crate::services::support::secret_mail::SecretMail;
use crate::services::{Invitation, Onboarding};
use crate::tenant::TenantId;
use crate::values::{Email, Locale};

impl Onboarding {
    /// Parses a sign-up: an email, and optionally a full name and a locale.
    pub fn signup_input(
        email: &str,
        name: Option<&str>,
        locale: Option<&str>,
    ) -> Result<Invitation, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(email).map_err(|m| errors.add("email", m)).ok();
        let mut profile = Profile::default();
        if let Some(name) = name {
            match split_name(name) {
                Ok((first, last)) => {
                    profile.first_name = Some(first);
                    profile.last_name = last;
                }
                Err(m) => errors.add("name", m),
            }
        }
        if let Some(locale) = locale {
            match Locale::parse(locale) {
                Ok(l) => profile.locale = Some(l),
                Err(m) => errors.add("locale", m),
            }
        }
        match email {
            Some(email) if errors.is_empty() => Ok(Invitation {
                email,
                profile,
                external_id: None,
            }),
            _ => Err(errors),
        }
    }

    /// Sign-up: a new address gets an account pending activation and an activation secret; an
    /// address with an account pending activation gets a new secret; an address with an active
    /// account gets a notice (no secret). The caller answers the same whatever happened.
    pub async fn sign_up(&self, tenant: &TenantId, invitation: Invitation) -> Result<(), DomainError> {
        let normalized = invitation.email.normalized().to_owned();
        match self.kit.deps.accounts.find_by_email(tenant, &normalized).await? {
            None => match self.invite_as(tenant, invitation, Some(SendClass::Secret)).await {
                Err(DomainError::Conflict(_)) => Ok(()), // signed up concurrently: one mail went
                other => other.map(|_| ()),
            },
            Some(existing) if existing.status == AccountStatus::PendingActivation => {
                self.send_activation(&existing).await
            }
            // A closed account (its data kept, or waiting for a deletion decision) cannot sign
            // in: telling it to would be wrong, and nothing personal is written for it.
            Some(existing) if existing.status.is_closed() => Ok(()),
            Some(existing) => {
                let now = self.kit.deps.clock.now();
                // Mailed only if the account is still as read: not once it is closed or erased.
                let mut commit = Commit::at(now).relying_on(&existing);
                // To the address as the account has it, not as typed: one budget per mailbox.
                let address = existing.customer_email().unwrap_or(&invitation.email);
                let name = existing.greeting_for(address.as_str());
                let notice = Content::SignupNotice { name: &name };
                commit.messages.push(
                    self.kit
                        .flows
                        .messages
                        .message(&self.kit.deps, &existing, address.as_str(), &notice, now)
                        .await?,
                );
                match self
                    .kit
                    .flows
                    .commits
                    .commit_limited(&existing, commit, SendClass::SignUpNotice)
                    .await
                    .map(drop)
                {
                    // Changed meanwhile (closed, say): the answer is the same, nothing is sent.
                    Err(StoreError::VersionMismatch) => Ok(()),
                    other => Ok(other?),
                }
            }
        }
    }

    /// Creates an account pending activation and mails its activation secret. A taken address
    /// is a `Conflict`.
    pub async fn invite(&self, tenant: &TenantId, invitation: Invitation) -> Result<Account, DomainError> {
        self.invite_as(tenant, invitation, None).await
    }

    /// [`Self::invite`]; with `limited`, within the send limit of that class (what anyone can
    /// ask for counts toward the recipient's limit): held back, nothing is created and the
    /// answer is the same.
    async fn invite_as(
        &self,
        tenant: &TenantId,
        invitation: Invitation,
        limited: Option<SendClass>,
    ) -> Result<Account, DomainError> {
        let now = self.kit.deps.clock.now();
        let new = NewAccount {
            tenant: tenant.clone(),
            status: AccountStatus::PendingActivation,
            email: invitation.email,
            email_confirmed: false,
            password_hash: None,
            profile: invitation.profile,
            external_id: invitation.external_id,
        };
        with_fresh_ids(self.kit.deps.random.as_ref(), |uuid, public_id, attempt| {
            let account = new.clone().into_account(uuid, public_id, now, attempt);
            async move {
                let mut commit = Commit::at(now).inserting(&account);
                self.add_activation(&mut commit, &account).await?;
                Ok(match limited {
                    Some(class) => self
                        .kit
                        .flows
                        .commits
                        .commit_limited(&account, commit, class)
                        .await
                        .map(|_| account),
                    None => self.kit.flows.commits.commit(commit).await.map(|()| account),
                })
            }
        })
        .await
    }

    /// Mails a new activation secret to `account` if it is still pending activation (nothing
    /// while its secret is locked).
    pub async fn send_activation(&self, account: &Account) -> Result<(), DomainError> {
        let now = self.kit.deps.clock.now();
        on_current_account(
            self.kit.deps.accounts.as_ref(),
            account.clone(),
            |account| async move {
                if account.status != AccountStatus::PendingActivation {
                    return Ok(()); // activated or closed meanwhile: nothing to resend
                }
                let mut commit = Commit::at(now);
                self.add_activation(&mut commit, &account).await?;
                if commit.messages.is_empty() {
                    return Ok(()); // locked: no new secret until it expires
                }
                self.kit.flows.commits.commit_issued(&account, commit).await
            },
        )
        .await
    }

    async fn add_activation(&self, commit: &mut Commit, account: &Account) -> Result<(), DomainError> {
        let email = account.address();
        // Locked: nothing added, no new secret until it expires.
        self.kit
            .issue_mail(
                commit,
                account,
                Purpose::Activation,
                &email,
                None,
                SecretMail::Activation,
            )
            .await?;
        Ok(())
    }
}
