//! The Customer area's use cases: sign-up and activation, editing oneself (with email changes
//! confirmed by a key sent to the new address), password reset, and deleting one's account.

use time::OffsetDateTime;

use std::sync::Arc;

use super::flow_kit::{FlowDeps, Issued, LinkSettings, Sent};
use super::ids::with_fresh_ids;
use super::reapply::{on_current_account, Attempt};
use super::{Authenticated, Deps};
use crate::account::{Account, AccountStatus, NewAccount};
use crate::customer_edit::{full_name, split_name, CustomerEdit};
use crate::error::{DomainError, FieldErrors};
use crate::flow::{Flow, FlowId, Purpose, Refusal, SendClass};
use crate::lifecycle::MadeBy;
use crate::lifecycle::{IllegalTransition, Transition};
use crate::links;
use crate::pending_change::PendingChange;
use crate::ports::{AccountWrite, Commit, PassphraseTokens, StoreError};
use crate::profile::Profile;
use crate::templates::{Template, MASK};
use crate::tenant::TenantId;
use crate::values::{Email, Locale, Password};

const PASSPHRASE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A sign-up or an invitation: an account waiting for its activation.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: Email,
    pub profile: Profile,
}

/// Which secret a mail carries, and so its template and link.
#[derive(Clone, Copy)]
enum SecretMail<'l> {
    Activation,
    EmailChange,
    /// `link` is the resolved reset link; the code is appended to its path.
    PasswordReset {
        link: &'l str,
    },
}

impl SecretMail<'_> {
    fn link(&self, links: &LinkSettings, identifier: &str, secret: &str) -> String {
        match self {
            SecretMail::Activation => links.page(
                "/customers/activate",
                &format!("identifier={identifier}&secret={secret}"),
            ),
            SecretMail::EmailChange => links.page(
                "/customers/newemail_confirm",
                &format!("identifier={identifier}&key={secret}"),
            ),
            SecretMail::PasswordReset { link } => {
                let link = links::with_segment(link, secret);
                // The reset page at /customers/do_reset must be told the tenant; any other
                // reset_uri stays `<reset_uri>/<code>`, as the seed has it.
                let own_page = format!("{}/customers/do_reset/", links.public_url.trim_end_matches('/'));
                if link.starts_with(&own_page) {
                    links.naming_tenant(&link)
                } else {
                    link
                }
            }
        }
    }

    fn template<'a>(
        &self,
        name: &'a str,
        identifier: &'a str,
        secret: &'a str,
        link: &'a str,
    ) -> Template<'a> {
        match self {
            SecretMail::Activation => Template::Activation {
                name,
                identifier,
                secret,
                link,
            },
            SecretMail::EmailChange => Template::EmailChangeKey {
                name,
                identifier,
                key: secret,
                link,
            },
            SecretMail::PasswordReset { .. } => Template::PasswordReset {
                name,
                code: secret,
                link,
            },
        }
    }
}

pub struct CustomerArea {
    deps: Deps,
    flows: FlowDeps,
    passphrase_tokens: Arc<dyn PassphraseTokens>,
}

fn refused(refusal: Refusal) -> DomainError {
    DomainError::SecretRefused(refusal)
}

impl CustomerArea {
    pub fn new(deps: Deps, flows: FlowDeps, passphrase_tokens: Arc<dyn PassphraseTokens>) -> Self {
        CustomerArea {
            deps,
            flows,
            passphrase_tokens,
        }
    }

    /// Where the links in `tenant`'s messages point (the surfaces resolve a client's
    /// `reset_uri` against it).
    pub async fn links_for(&self, tenant: &TenantId) -> Result<LinkSettings, DomainError> {
        self.flows.links_for(tenant).await
    }

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
            Some(email) if errors.is_empty() => Ok(Invitation { email, profile }),
            _ => Err(errors),
        }
    }

    /// Sign-up: a new address gets an account pending activation and an activation secret; an
    /// address with an account pending activation gets a new secret; an address with an active
    /// account gets a notice (no secret). The caller answers the same whatever happened.
    pub async fn sign_up(&self, tenant: &TenantId, invitation: Invitation) -> Result<(), DomainError> {
        let normalized = invitation.email.normalized().to_owned();
        match self.deps.accounts.find_by_email(tenant, &normalized).await? {
            None => match self.invite_as(tenant, invitation, Some(SendClass::Secret)).await {
                Err(DomainError::Conflict(_)) => Ok(()), // signed up concurrently: one mail went
                other => other.map(|_| ()),
            },
            Some(existing) if existing.status == AccountStatus::PendingActivation => {
                self.resend_activation(&existing).await
            }
            // A closed account (its data kept, or waiting for a deletion decision) cannot sign
            // in: telling it to would be wrong, and nothing personal is written for it.
            Some(existing) if existing.status.is_closed() => Ok(()),
            Some(existing) => {
                let now = self.deps.clock.now();
                // Mailed only if the account is still as read: not once it is closed or erased.
                let mut commit = Commit::at(now).relying_on(&existing);
                // To the address as the account has it, not as typed: one budget per mailbox.
                let address = existing.customer_email().unwrap_or(&invitation.email);
                let name = existing.greeting_for(address.as_str());
                let notice = Template::SignupNotice { name: &name };
                commit.messages.push(self.flows.message(
                    &self.deps,
                    &existing,
                    address.as_str(),
                    &notice,
                    None,
                    now,
                ));
                match self
                    .flows
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
        let now = self.deps.clock.now();
        let new = NewAccount {
            tenant: tenant.clone(),
            status: AccountStatus::PendingActivation,
            email: invitation.email,
            email_confirmed: false,
            password_hash: None,
            profile: invitation.profile,
        };
        with_fresh_ids(self.deps.random.as_ref(), |uuid, public_id, attempt| {
            let account = new.clone().into_account(uuid, public_id, now, attempt);
            async move {
                let mut commit = Commit::at(now);
                commit.accounts.push(AccountWrite::Insert(account.clone()));
                self.add_activation(&mut commit, &account, now).await?;
                Ok(match limited {
                    Some(class) => self
                        .flows
                        .commit_limited(&account, commit, class)
                        .await
                        .map(|_| account),
                    None => self.flows.commits.commit(commit).await.map(|()| account),
                })
            }
        })
        .await
    }

    async fn resend_activation(&self, account: &Account) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        on_current_account(
            self.deps.accounts.as_ref(),
            account.clone(),
            |account| async move {
                if account.status != AccountStatus::PendingActivation {
                    return Ok(()); // activated or closed meanwhile: nothing to resend
                }
                let mut commit = Commit::at(now);
                self.add_activation(&mut commit, &account, now).await?;
                if commit.messages.is_empty() {
                    return Ok(()); // locked: no new secret until it expires
                }
                self.flows.commit_issued(&account, commit).await
            },
        )
        .await
    }

    async fn add_activation(
        &self,
        commit: &mut Commit,
        account: &Account,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        let email = account.address();
        let issued = self
            .flows
            .issue(&self.deps, account, Purpose::Activation, &email, None, now)
            .await?;
        if let Some(issued) = issued {
            let links = self.flows.links_for(&account.tenant).await?;
            self.add_secret_mail(
                commit,
                &links,
                account,
                &email,
                issued,
                SecretMail::Activation,
                now,
            );
        }
        Ok(())
    }

    /// Adds the issued flow and the mail carrying its secret (with a masked copy) to `commit`.
    #[allow(clippy::too_many_arguments)]
    fn add_secret_mail(
        &self,
        commit: &mut Commit,
        links: &LinkSettings,
        account: &Account,
        recipient: &str,
        issued: Issued,
        mail: SecretMail<'_>,
        now: OffsetDateTime,
    ) {
        let identifier = issued.flow.id.to_string();
        let name = account.greeting_for(recipient);
        let clear_link = mail.link(links, &identifier, &issued.secret);
        let masked_link = mail.link(links, &identifier, MASK);
        let clear = mail.template(&name, &identifier, &issued.secret, &clear_link);
        let masked = mail.template(&name, &identifier, MASK, &masked_link);
        commit.flows.extend(issued.writes);
        commit.messages.push(
            self.flows
                .message(&self.deps, account, recipient, &clear, Some(&masked), now),
        );
    }

    /// The flow named by an emailed `identifier`, once `secret` has been checked against it.
    async fn checked_flow(
        &self,
        tenant: &TenantId,
        identifier: &str,
        purpose: Purpose,
        secret: &str,
        now: OffsetDateTime,
    ) -> Result<Flow, DomainError> {
        let flow = match identifier.trim().parse() {
            Ok(id) => self.flows.flows.find(tenant, FlowId(id)).await?,
            Err(_) => None,
        };
        self.flows.check(flow, purpose, secret, now).await
    }

    /// Checks a new password and its confirmation, as activation asks for them.
    pub fn new_password(password: &str, password_check: &str) -> Result<Password, FieldErrors> {
        let mut errors = FieldErrors::new();
        let password = Password::new_secret(password)
            .map_err(|m| errors.add("password", m))
            .ok();
        if password.as_ref().is_some_and(|p| p.expose() != password_check) {
            errors.add("password_check", "does not match password");
        }
        match password {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(errors),
        }
    }

    /// Activation with the identifier and secret from the activation mail.
    pub async fn activate(
        &self,
        tenant: &TenantId,
        identifier: &str,
        secret: &str,
        password: Password,
    ) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        let flow = self
            .checked_flow(tenant, identifier, Purpose::Activation, secret, now)
            .await?;
        let account = self.account_of(&flow).await?;
        let hash = self.deps.passwords.hash(&password).await?;
        self.consume(account, &flow, |account| account.activate(hash.clone(), now))
            .await
    }

    /// The account a checked flow belongs to.
    async fn account_of(&self, flow: &Flow) -> Result<Account, DomainError> {
        self.deps
            .accounts
            .find_by_uuid(&flow.tenant, flow.account)
            .await?
            .ok_or(refused(Refusal::Invalid))
    }

    /// Commits the transition a checked secret allows, consuming its flow. `change` decides on
    /// the account as stored (refused: the account may no longer have it, so the secret is
    /// refused); an unrelated concurrent edit of the account makes it decide again, while a
    /// flow that moved meanwhile (the secret used, re-issued, or ended by another transition)
    /// refuses the secret.
    async fn consume(
        &self,
        account: Account,
        flow: &Flow,
        change: impl Fn(&Account) -> Result<Transition, IllegalTransition>,
    ) -> Result<(), DomainError> {
        on_current_account(self.deps.accounts.as_ref(), account, |account| {
            let transition = change(&account).map_err(|_| refused(Refusal::Invalid));
            async move {
                let commit = self.flows.apply(
                    &self.deps,
                    Commit::at(self.deps.clock.now()),
                    &transition?,
                    MadeBy::customer().completing(flow),
                );
                // The flow moved (used, re-issued, cancelled): the secret in hand is spent.
                self.flows.commits.commit(commit).await.map_err(|e| match e {
                    StoreError::FlowChanged => Attempt::Failed(refused(Refusal::Invalid)),
                    other => other.into(),
                })
            }
        })
        .await
    }

    /// PATCH /customers/self: applies the field edits at once; a new `email` only starts an
    /// email change (key to the new address, notice to the old one).
    pub async fn edit_self(
        &self,
        who: &Authenticated,
        edit: CustomerEdit,
        new_email: Option<&str>,
    ) -> Result<Account, DomainError> {
        let now = self.deps.clock.now();
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
            self.flows.require_recent_sign_in(who, now)?;
            if self
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
        let (edit, email, session) = (&edit, &email, who.session.id);
        on_current_account(
            self.deps.accounts.as_ref(),
            who.account.clone(),
            |account| async move {
                if !account.status.may_sign_in() {
                    return Err(DomainError::Unauthenticated.into());
                }
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
                    commit = self.flows.apply(&self.deps, commit, &transition, made_by);
                }
                if commit.accounts.is_empty() {
                    return Ok(account);
                }
                if email.is_some() {
                    // The new address is mailed a key, the old one a notice: within the send
                    // limit. Held back, nothing of the edit applies and the customer is told
                    // to wait (no key is coming).
                    let sent = self
                        .flows
                        .commit_limited(&account, commit, SendClass::SignedInCode)
                        .await?;
                    if sent == Sent::HeldBack {
                        return Err(self.flows.send_limited().into());
                    }
                } else {
                    self.flows.commits.commit(commit).await?;
                }
                Ok::<_, Attempt>(Account {
                    version: account.version + i64::from(changed),
                    ..updated
                })
            },
        )
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
        let issued = self
            .flows
            .issue(
                &self.deps,
                account,
                Purpose::EmailChange,
                new.as_str(),
                pending,
                now,
            )
            .await?
            .ok_or_else(|| refused(Refusal::Locked))?;
        let key = issued.flow.id;
        let links = self.flows.links_for(&account.tenant).await?;
        self.add_secret_mail(
            commit,
            &links,
            account,
            new.as_str(),
            issued,
            SecretMail::EmailChange,
            now,
        );
        if let Some(old) = &account.email {
            let name = account.greeting_for(old.as_str());
            let notice = Template::EmailChangeNotice {
                name: &name,
                new_address: new.as_str(),
            };
            commit.messages.push(
                self.flows
                    .message(&self.deps, account, old.as_str(), &notice, None, now),
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
        let now = self.deps.clock.now();
        let flow = self
            .checked_flow(tenant, identifier, Purpose::EmailChange, key, now)
            .await?;
        let Some(PendingChange::NewAddress(new_email)) = &flow.pending_change else {
            return Err(refused(Refusal::Invalid));
        };
        let new_email = Email::from_stored(new_email.clone());
        let account = self.account_of(&flow).await?;
        self.consume(account, &flow, |account| {
            account.confirm_email(new_email.clone(), now)
        })
        .await
    }

    /// Mails a reset code to the account with this address, if there is one. `link` has been
    /// resolved by [`links::resolve`]; the code is appended to its path.
    pub async fn request_password_reset(
        &self,
        tenant: &TenantId,
        email: &str,
        link: &str,
    ) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        let Some(account) = self.deps.account_by_email(tenant, email).await? else {
            return Ok(());
        };
        // The link was resolved for the tenant already: only its code (and, for Clientele's own
        // reset page, the tenant) is added.
        let links = &self.flows.links_for(tenant).await?;
        on_current_account(self.deps.accounts.as_ref(), account, |account| async move {
            if !account.status.may_sign_in() {
                return Ok(()); // closed (or never activated): nothing is mailed
            }
            let address = account.address();
            let issued = self
                .flows
                .issue(&self.deps, &account, Purpose::PasswordReset, &address, None, now)
                .await?;
            let Some(issued) = issued else {
                return Ok(()); // locked: no new code until it expires
            };
            let mut commit = Commit::at(now);
            self.add_secret_mail(
                &mut commit,
                links,
                &account,
                &address,
                issued,
                SecretMail::PasswordReset { link },
                now,
            );
            // Two requests at once: the one that loses to the other's flow is done as well.
            self.flows.commit_issued(&account, commit).await
        })
        .await
    }

    /// Resets the password with the mailed code: sets a new random passphrase, revokes every
    /// session, and returns the passphrase in a token signed with the code (seed 001).
    pub async fn reset_password(
        &self,
        tenant: &TenantId,
        email: &str,
        code: &str,
    ) -> Result<String, DomainError> {
        let now = self.deps.clock.now();
        let account = self.deps.account_by_email(tenant, email).await?;
        let Some(account) = account.filter(|a| a.status.may_sign_in()) else {
            return Err(refused(Refusal::Invalid));
        };
        let open = self
            .flows
            .flows
            .find_open(tenant, account.uuid, Purpose::PasswordReset)
            .await?;
        // Named by an address, not by a mailed identifier: an expired or locked code answers
        // like a wrong one, or the answer would tell that the address has an account.
        let flow = self
            .flows
            .check(open, Purpose::PasswordReset, code, now)
            .await
            .map_err(|e| match e {
                DomainError::SecretRefused(_) => refused(Refusal::Invalid),
                other => other,
            })?;
        let passphrase = Password::candidate(&self.deps.random.string_from(PASSPHRASE_ALPHABET, 16))
            .expect("16 characters are a valid candidate");
        let token = self
            .passphrase_tokens
            .passphrase_token(&passphrase, code.trim())
            .map_err(|e| DomainError::Unavailable(e.to_string()))?;
        let hash = self.deps.passwords.hash(&passphrase).await?;
        // Every session, every other open flow (an email change, a closing code, a sign-in
        // challenge proven with the old password) ends with it.
        self.consume(account, &flow, |account| {
            account.reset_password(hash.clone(), now)
        })
        .await?;
        Ok(token)
    }

    /// The Customer area's `name` of an account.
    pub fn name_of(account: &Account) -> Option<String> {
        full_name(&account.profile)
    }
}

#[cfg(test)]
#[path = "customer_area_tests.rs"]
mod tests;
