//! Answering a sign-in challenge with a strong factor: an authenticator app's code, a passkey's
//! assertion or a recovery code, and asking for a texted code when the account has texted codes
//! besides.
//!
//! Using a factor is a version-checked write of the account (the app's step spent, the
//! passkey's counter moved, the recovery code gone) committed with the challenge consumed: two requests with one code race like two
//! edits, and only one signs in.

use serde_json::Value;
use time::OffsetDateTime;

use super::password::{count_sign_in_failure, SignedIn};
use super::second_factor::{answers, masked, SecondFactor, SignInOutcome};
use crate::account::Account;
use crate::audit::{Actor, AuditKind};
use crate::error::DomainError;
use crate::factors::FactorSecret;
use crate::flow::{self, Flow, FlowId, Purpose, Refusal};
use crate::messages::AccountChange;
use crate::pending_change::{HeldSignIn, PendingChange};
use crate::ports::{Commit, PasskeyError, RelyingParty, StoreError};
use crate::services::factors::matching_recovery_code;
use crate::services::profile::view::phone_region;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::session::SignInMethod;
use crate::tenant::TenantId;
use crate::values::PasswordHash;

/// A second factor's answer to a challenge.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    /// The six digits an authenticator app shows.
    Totp(&'a str),
    RecoveryCode(&'a str),
    /// A passkey's assertion (AuthenticationResponseJSON) to the challenge's options.
    Webauthn(&'a Value),
}

impl Answer<'_> {
    /// The password and this answer, as the session records how it was opened.
    fn method(&self) -> SignInMethod {
        match self {
            Answer::Totp(_) => SignInMethod::PasswordAndTotp,
            Answer::RecoveryCode(_) => SignInMethod::PasswordAndRecoveryCode,
            Answer::Webauthn(_) => SignInMethod::PasswordAndPasskey,
        }
    }
}

/// What the right answer changes, besides the challenge consumed.
struct Used {
    account: Account,
    audit: Option<AuditKind>,
}

/// A wrong answer; a passkey whose counter went back is audited too (a cloned authenticator).
struct Wrong {
    cloned: bool,
}

impl SecondFactor {
    /// The password was right on an account with a strong factor: a challenge, and nothing
    /// sent (a texted code only when asked for, see [`Self::text_code`]). Signing in again
    /// renews the open challenge (same id, its tries kept); a locked one is refused until it
    /// expires.
    pub(super) async fn challenge(
        &self,
        account: Account,
        hash: &PasswordHash,
        country: Option<String>,
    ) -> Result<SignInOutcome, DomainError> {
        let passkeys = account.factors.passkeys();
        let ceremony = if passkeys.is_empty() {
            None
        } else {
            // A passkey that cannot be asked for now (the relying party misconfigured, a
            // credential unreadable) must not lock the customer out of the other answers.
            let party = self
                .factors
                .party(self.flows.tenants.as_ref(), &account.tenant)
                .await?;
            match self.factors.passkeys.start_authentication(&party, &passkeys) {
                Ok(ceremony) => Some(ceremony),
                Err(error) => {
                    tracing::error!(
                        tenant = account.tenant.as_str(),
                        account = %account.uuid.0,
                        %error,
                        "passkey sign-in options could not be made"
                    );
                    None
                }
            }
        };
        let pending = PendingChange::SignIn(HeldSignIn {
            password: self.flows.secrets.digester.digest(hash.as_str()),
            country,
            passkey: ceremony.as_ref().map(|c| c.state.clone()),
        });
        let mut factors = answers(&account);
        if ceremony.is_none() {
            factors.retain(|kind| *kind != "webauthn");
        }
        let flow = self
            .flows
            .open_unsent(&self.deps, account, Purpose::SecondFactor, "", pending, None)
            .await?;
        Ok(SignInOutcome::CodeRequired {
            challenge: flow.id,
            telephone: None,
            factors,
            webauthn: ceremony.map(|c| c.options),
        })
    }

    /// Texts a code for `challenge` to the account's number, when the account has texted codes
    /// on: the number, masked. Asked again within the resend wait, nothing more is sent.
    pub async fn text_code(&self, tenant: &TenantId, challenge: &str) -> Result<String, DomainError> {
        let now = self.deps.clock.now();
        let (flow, account) = self.challenged(tenant, challenge, now).await?;
        if let Some(refusal) = open_refusal(&flow, now) {
            return Err(DomainError::SecretRefused(refusal));
        }
        let number = account
            .profile
            .phone
            .clone()
            .filter(|_| account.two_factor)
            .ok_or_else(|| DomainError::Conflict("the account has no texted codes".into()))?;
        let region = phone_region(&self.flows, tenant, self.default_region).await?;
        let shown = masked(&number, region);
        let recent = flow.target == number.as_str() && now - flow.sent_at < self.flows.settings.resend_after;
        if recent {
            return Ok(shown);
        }
        let pending = flow.pending_change.clone();
        on_current_account(self.deps.accounts.as_ref(), account, |current| {
            let (number, pending) = (number.clone(), pending.clone());
            async move {
                self.flows
                    .text_code(
                        &self.deps,
                        &current,
                        Purpose::SecondFactor,
                        number.as_str(),
                        pending,
                        Commit::at(now),
                    )
                    .await
            }
        })
        .await?;
        Ok(shown)
    }

    /// Redeems `challenge` with a strong factor's `answer` for a token. A wrong answer (a code
    /// of a step already used too) is `SecretRefused(Invalid)` and counts toward the account's
    /// sign-in lockout; five tries lock the challenge; an expired one is `Expired`.
    pub async fn verify(
        &self,
        tenant: &TenantId,
        challenge: &str,
        answer: Answer<'_>,
    ) -> Result<SignedIn, DomainError> {
        let now = self.deps.clock.now();
        let (flow, account) = self.challenged(tenant, challenge, now).await?;
        let repository = &self.flows.secrets.flows;
        let counted = self.flows.secrets.count_try(&flow, now).await?;
        let (held, hash) = self.held_sign_in(&counted, &account)?;
        let party = match answer {
            Answer::Webauthn(_) => Some(self.factors.party(self.flows.tenants.as_ref(), tenant).await?),
            _ => None,
        };
        let (counted, proven, held_ref, party) = (&counted, &hash, &held, &party);
        let signed_in_as = on_current_account(self.deps.accounts.as_ref(), account, |current| async move {
            if !current.status.may_sign_in() || current.password_hash.as_ref() != Some(proven) {
                return Err(DomainError::Unauthenticated.into());
            }
            let used = match self.used(&current, answer, held_ref, party.as_ref(), now) {
                Ok(used) => used,
                Err(Wrong { cloned }) => {
                    // Lost a race to another request that answered this challenge (a double
                    // submit): not the customer's mistake, nothing is counted. (The last
                    // allowed try locks the challenge: locked is still unanswered.)
                    let still_open = repository
                        .find(&current.tenant, counted.id)
                        .await?
                        .is_some_and(|f| {
                            matches!(f.status, flow::FlowStatus::Pending | flow::FlowStatus::Locked)
                        });
                    if !still_open {
                        return Err(DomainError::SecretRefused(Refusal::Invalid).into());
                    }
                    if cloned {
                        let refused = self.deps.audit_entry(
                            &current,
                            AuditKind::SecondFactorRefused,
                            Actor::Customer,
                            Some("passkey sign counter went backwards"),
                        );
                        self.deps.audit.append(&refused).await?;
                    }
                    count_sign_in_failure(&self.deps, &current, now).await?;
                    return Err(DomainError::SecretRefused(Refusal::Invalid).into());
                }
            };
            let mut commit = Commit::at(now).updating(used.account.clone());
            commit.flows.push(counted.consume());
            commit.audit.extend(
                used.audit
                    .map(|kind| self.deps.audit_entry(&current, kind, Actor::Customer, None)),
            );
            if used.audit == Some(AuditKind::RecoveryCodeUsed) {
                // A recovery code stands in for a lost factor: the customer hears of each use.
                commit.messages.extend(
                    self.flows
                        .messages
                        .change_notice(
                            &self.deps,
                            &current,
                            &current,
                            AccountChange::RecoveryCodeUsed,
                            now,
                        )
                        .await?,
                );
            }
            match self.flows.commits.commit(commit).await {
                Err(StoreError::FlowChanged) => Err(DomainError::SecretRefused(Refusal::Invalid).into()),
                other => other.map_err(Attempt::from),
            }?;
            Ok(Account {
                version: used.account.version + 1,
                ..used.account
            })
        })
        .await?;
        self.sign_in.forget_failures(&signed_in_as).await?;
        self.sign_in
            .open_session(&signed_in_as, Some(&hash), now, held.country, answer.method())
            .await
    }

    /// The account as `answer` leaves it, if `answer` is right.
    fn used(
        &self,
        account: &Account,
        answer: Answer<'_>,
        held: &HeldSignIn,
        party: Option<&RelyingParty>,
        now: OffsetDateTime,
    ) -> Result<Used, Wrong> {
        let wrong = Wrong { cloned: false };
        match answer {
            Answer::Totp(code) => account
                .factors
                .list
                .iter()
                .find_map(|factor| {
                    let FactorSecret::Totp { sealed, .. } = &factor.secret else {
                        return None;
                    };
                    let secret = self.factors.sealer.open(sealed).ok()?;
                    let step = self.factors.apps.step_of(&secret, code, now)?;
                    // A spent step (a replayed code) is no answer.
                    let account = account.totp_used(factor.id, step, now)?;
                    Some(Used { account, audit: None })
                })
                .ok_or(wrong),
            Answer::RecoveryCode(typed) => {
                let index = matching_recovery_code(account, self.flows.secrets.digester.as_ref(), typed)
                    .ok_or(Wrong { cloned: false })?;
                Ok(Used {
                    account: account.recovery_code_used(index).ok_or(Wrong { cloned: false })?,
                    audit: Some(AuditKind::RecoveryCodeUsed),
                })
            }
            Answer::Webauthn(response) => {
                let (Some(state), Some(party)) = (&held.passkey, party) else {
                    return Err(wrong);
                };
                let signed = self
                    .factors
                    .passkeys
                    .finish_authentication(party, response, state, &account.factors.passkeys())
                    .map_err(|e| Wrong {
                        cloned: e == PasskeyError::CounterWentBack,
                    })?;
                let account = account
                    .passkey_used(&signed.credential_id, signed.passkey, now)
                    .ok_or(Wrong { cloned: false })?;
                Ok(Used { account, audit: None })
            }
        }
    }

    /// The challenge `challenge` names and its account, which must still be able to sign in:
    /// an unknown challenge is `SecretRefused(Invalid)`, an account closed or locked since
    /// `Unauthenticated`.
    pub(super) async fn challenged(
        &self,
        tenant: &TenantId,
        challenge: &str,
        now: OffsetDateTime,
    ) -> Result<(Flow, Account), DomainError> {
        let refused = || DomainError::SecretRefused(Refusal::Invalid);
        let id = uuid::Uuid::parse_str(challenge.trim()).map_err(|_| refused())?;
        let flow = self
            .flows
            .secrets
            .flows
            .find(tenant, FlowId(id))
            .await?
            .filter(|f| f.purpose == Purpose::SecondFactor)
            .ok_or_else(refused)?;
        let account = self
            .deps
            .accounts
            .find_by_uuid(tenant, flow.account)
            .await?
            .filter(|a| a.status.may_sign_in() && !a.sign_in.is_locked(now))
            .ok_or(DomainError::Unauthenticated)?;
        Ok((flow, account))
    }

    /// The sign-in `counted` holds, once its password is still the account's: the hash it was
    /// proven against. A password changed since voids the challenge (`Unauthenticated`).
    pub(super) fn held_sign_in(
        &self,
        counted: &Flow,
        account: &Account,
    ) -> Result<(HeldSignIn, PasswordHash), DomainError> {
        let Some(PendingChange::SignIn(held)) = counted.pending_change.clone() else {
            return Err(DomainError::Unavailable(
                "a sign-in challenge could not be read back".into(),
            ));
        };
        let hash = account
            .password_hash
            .clone()
            .ok_or(DomainError::Unauthenticated)?;
        if !self.flows.secrets.digester.matches(hash.as_str(), &held.password) {
            return Err(DomainError::Unauthenticated);
        }
        Ok((held, hash))
    }
}

/// Why an open challenge takes no answer now, judged without counting a try.
fn open_refusal(flow: &Flow, now: OffsetDateTime) -> Option<Refusal> {
    match flow::refusal_of(Some(flow), now) {
        Refusal::Invalid if flow.status == flow::FlowStatus::Pending => None,
        refusal => Some(refusal),
    }
}
