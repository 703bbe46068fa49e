//! Editing oneself, with a new address confirmed by a key mailed to it.

use time::OffsetDateTime;

use crate::account::Account;
use crate::customer_edit::CustomerEdit;
use crate::error::{DomainError, FieldErrors};
use crate::flow::{FlowId, Purpose, Refusal, SendClass};
use crate::lifecycle::MadeBy;
use crate::messages::Content;
use crate::pending_change::PendingChange;
use crate::ports::Commit;
use crate::services::support::reapply::{account_to_decide_on, on_current_account, Attempt, IfVersion};
use crate::services::support::secret_mail::{refused, SecretMail, SecretMails};
use crate::services::support::sending::Sent;
use crate::services::{Authenticated, Deps, FlowDeps};
use crate::tenant::TenantId;
use crate::values::Email;

/// Editing oneself in the Customer area, where a new address is confirmed by a key mailed to it.
pub struct EmailChange {
    pub(super) kit: SecretMails,
}

impl EmailChange {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        EmailChange {
            kit: SecretMails { deps, flows },
        }
    }

    /// PATCH /customers/self: applies the field edits at once; a new `email` only starts an
    /// email change (key to the new address, notice to the old one).
    pub async fn edit_self(
        &self,
        who: &Authenticated,
        edit: CustomerEdit,
        new_email: Option<&str>,
    ) -> Result<Account, DomainError> {
        self.edit_self_if(who, edit, new_email, IfVersion::any()).await
    }

    /// [`Self::edit_self`], only while the account is at a version the caller names
    /// (`PreconditionFailed` otherwise, nothing stored or mailed).
    pub async fn edit_self_if(
        &self,
        who: &Authenticated,
        edit: CustomerEdit,
        new_email: Option<&str>,
        if_version: IfVersion,
    ) -> Result<Account, DomainError> {
        let now = self.kit.deps.clock.now();
        let mut errors = FieldErrors::new();
        if let Err(e) = edit.clone().apply(&who.account.profile) {
            errors.extend(e);
        }
        let current_email = who.account.email.as_ref().map(|c| c.normalized().to_owned());
        let email = match new_email.map(Email::parse) {
            Some(Ok(e)) if Some(e.normalized()) == current_email.as_deref() => None,
            Some(Ok(e)) => Some(e),
            Some(Err(m)) => {
                errors.add("email", m);
                None
            }
            None => None,
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        if let Some(email) = &email {
            self.kit.flows.require_recent_sign_in(who, now)?;
            if self
                .kit
                .deps
                .accounts
                .find_by_email(&who.account.tenant, email.normalized())
                .await?
                .is_some()
            {
                return Err(DomainError::Conflict(
                    "the email address is already in use".into(),
                ));
            }
        }
        // A writer that lost a race re-applies its edit to the account as it is now, so
        // concurrent edits of different fields are all kept, and an account deleted meanwhile
        // gets nothing written back.
        let turn = self
            .kit
            .deps
            .turns
            .take(&who.account.tenant, who.account.uuid)
            .await;
        let reload = if_version.is_conditional() || turn.waited();
        let start = account_to_decide_on(self.kit.deps.accounts.as_ref(), &who.account, reload).await?;
        let (edit, email, session, if_version) = (&edit, &email, who.session.id, &if_version);
        on_current_account(self.kit.deps.accounts.as_ref(), start, |account| async move {
            if !account.status.may_sign_in() {
                return Err(DomainError::Unauthenticated.into());
            }
            if_version.holds_for(&account)?;
            let profile = edit.clone().apply(&account.profile).map_err(DomainError::from)?;
            account
                .keeps_second_factor(&profile, "phone")
                .map_err(DomainError::from)?;
            let transition = account
                .edit(
                    Account {
                        profile,
                        ..account.clone()
                    },
                    now,
                )
                .map_err(DomainError::from)?;
            let changed = *transition.after() != account;
            let updated = transition.after().clone();
            // Made from the caller's session: a key for a new address is not mailed once the
            // session has ended (the owner's reset won a race with a stolen session).
            let mut commit = Commit::at(now);
            commit.caller_session = Some((account.tenant.clone(), session));
            let mut made_by = MadeBy::customer().from_session(session);
            if let Some(email) = email {
                let key = self.add_email_change(&mut commit, &updated, email, now).await?;
                made_by = made_by.keeping(key);
                if !changed {
                    // Mailing a key relies on the account as read: not if it closed meanwhile.
                    commit = commit.relying_on(&account);
                }
            }
            if changed {
                commit = self
                    .kit
                    .flows
                    .apply(&self.kit.deps, commit, &transition, made_by)
                    .await?;
            }
            if commit.accounts.is_empty() {
                return Ok(account);
            }
            if email.is_some() {
                // The new address is mailed a key, the old one a notice: within the send
                // limit. Held back, nothing of the edit applies and the customer is told
                // to wait (no key is coming).
                let sent = self
                    .kit
                    .flows
                    .commits
                    .commit_limited(&account, commit, SendClass::SignedInCode)
                    .await?;
                if sent == Sent::HeldBack {
                    return Err(self.kit.flows.commits.send_limited().into());
                }
            } else {
                self.kit.flows.commits.commit(commit).await?;
            }
            Ok::<_, Attempt>(Account {
                version: account.version + i64::from(changed),
                ..updated
            })
        })
        .await
    }

    async fn add_email_change(
        &self,
        commit: &mut Commit,
        account: &Account,
        new: &Email,
        now: OffsetDateTime,
    ) -> Result<FlowId, DomainError> {
        let pending = Some(PendingChange::NewAddress(new.as_str().to_owned()));
        let key = self
            .kit
            .issue_mail(
                commit,
                account,
                Purpose::EmailChange,
                new.as_str(),
                pending,
                SecretMail::EmailChange,
            )
            .await?
            .ok_or_else(|| refused(Refusal::Locked))?;
        if let Some(old) = &account.email {
            let name = account.greeting_for(old.as_str());
            let notice = Content::EmailChangeNotice {
                name: &name,
                new_address: new.as_str(),
            };
            commit.messages.push(
                self.kit
                    .flows
                    .messages
                    .message(&self.kit.deps, account, old.as_str(), &notice, now)
                    .await?,
            );
        }
        Ok(key)
    }

    /// Confirms an email change with the identifier and key mailed to the new address.
    pub async fn confirm_email(
        &self,
        tenant: &TenantId,
        identifier: &str,
        key: &str,
    ) -> Result<(), DomainError> {
        let now = self.kit.deps.clock.now();
        let flow = self
            .kit
            .checked_flow(tenant, identifier, Purpose::EmailChange, key, now)
            .await?;
        let Some(PendingChange::NewAddress(new_email)) = &flow.pending_change else {
            return Err(refused(Refusal::Invalid));
        };
        let new_email = Email::from_stored(new_email.clone());
        let account = self.kit.account_of(&flow).await?;
        self.kit
            .consume(account, &flow, |account| {
                account.confirm_email(new_email.clone(), now)
            })
            .await
    }
}
