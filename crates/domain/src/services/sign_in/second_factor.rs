//! Two-step sign-in: with a second factor, the right password does not sign in yet; it answers
//! a challenge, which a second factor then redeems for a token. With texted codes only, a code
//! goes to the account's number at once; with an authenticator app, recovery codes stand by and
//! a texted code is sent only when asked for (see `strong_answer`). The challenge expires with
//! its code; its five tries are shared by every kind of answer.

use std::sync::Arc;

use crate::pending_change::{HeldSignIn, PendingChange};

use crate::account::Account;
use crate::error::DomainError;
use crate::flow::{FlowId, FlowStatus, Purpose, Refusal};
use crate::ports::{Commit, StoreError};
use crate::services::factors::FactorPorts;
use crate::services::profile::view::phone_region;
use crate::services::sign_in::password::{count_sign_in_failure, SignIn, SignedIn};
use crate::services::support::reapply::on_current_account;
use crate::services::support::FlowDeps;
use crate::services::Deps;
use crate::session::SignInMethod;
use crate::tenant::TenantId;
use crate::values::{Phone, PhoneRegion};

/// What a sign-in with the right password answers.
#[derive(Debug, Clone)]
pub enum SignInOutcome {
    SignedIn(SignedIn),
    /// A second factor is needed: `factors` says which kinds answer `challenge`; when a code
    /// was texted, `telephone` is the number it went to, masked (`••••••3210`).
    CodeRequired {
        challenge: FlowId,
        telephone: Option<String>,
        factors: Vec<&'static str>,
        /// With a passkey: the request options (WebAuthn Level 3 JSON) the challenge takes.
        webauthn: Option<serde_json::Value>,
    },
}

/// The kinds of answer a challenge of `account` takes, strongest first.
pub(super) fn answers(account: &Account) -> Vec<&'static str> {
    use crate::factors::FactorKind;
    let has = |kind| account.factors.of(kind).next().is_some();
    let mut kinds = Vec::new();
    if has(FactorKind::Totp) {
        kinds.push("totp");
    }
    if has(FactorKind::Webauthn) {
        kinds.push("webauthn");
    }
    if !account.factors.recovery_codes.is_empty() {
        kinds.push("recovery_code");
    }
    if account.two_factor && account.profile.phone.is_some() {
        kinds.push("sms");
    }
    kinds
}

pub struct SecondFactor {
    pub(super) deps: Deps,
    pub(super) flows: FlowDeps,
    pub(super) sign_in: Arc<SignIn>,
    pub(super) default_region: Option<PhoneRegion>,
    pub(super) factors: FactorPorts,
}

/// `number` as the tenant's customers read it, all but the last four digits hidden.
pub(super) fn masked(number: &Phone, region: Option<PhoneRegion>) -> String {
    let shown = number.shown_in(region);
    let digits: Vec<char> = shown.chars().filter(char::is_ascii_digit).collect();
    let kept: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("{}{kept}", "•".repeat(digits.len().saturating_sub(4)))
}

impl SecondFactor {
    pub fn new(
        deps: Deps,
        flows: FlowDeps,
        sign_in: Arc<SignIn>,
        default_region: Option<PhoneRegion>,
        factors: FactorPorts,
    ) -> Self {
        SecondFactor {
            deps,
            flows,
            sign_in,
            default_region,
            factors,
        }
    }

    /// Signs in with email and password: at once, or, with two-factor on, after a texted code
    /// (a repeated sign-in within the resend wait answers the same challenge and texts nothing).
    pub async fn sign_in(
        &self,
        tenant: &TenantId,
        email: &str,
        password: &str,
        country: Option<String>,
    ) -> Result<SignInOutcome, DomainError> {
        let (account, hash) = self.sign_in.checked(tenant, email, password).await?;
        let now = self.deps.clock.now();
        if account.factors.any() {
            return self.challenge(account, &hash, country).await;
        }
        if !account.two_factor {
            self.sign_in.forget_failures(&account).await?;
            let signed_in = self
                .sign_in
                .open_session(&account, Some(&hash), now, country, SignInMethod::Password)
                .await?;
            return Ok(SignInOutcome::SignedIn(signed_in));
        }
        // Two-factor with no number to text cannot sign in (edits keep the number while
        // two-factor is on; this is only a guard).
        let number = account
            .profile
            .phone
            .clone()
            .ok_or(DomainError::Unauthenticated)?;
        let pending = PendingChange::SignIn(HeldSignIn {
            password: self.flows.secrets.digester.digest(hash.as_str()),
            country,
            passkey: None,
        });
        let flows = &self.flows;
        let uuid = account.uuid;
        on_current_account(self.deps.accounts.as_ref(), account, |account| {
            let (number, pending) = (number.clone(), pending.clone());
            async move {
                let open = flows
                    .secrets
                    .flows
                    .find_open(&account.tenant, account.uuid, Purpose::SecondFactor)
                    .await?;
                let recent = open.as_ref().is_some_and(|f| {
                    f.status == FlowStatus::Pending
                        && f.expires_at > now
                        && now - f.sent_at < flows.settings.resend_after
                        && f.target == number.as_str()
                });
                if recent {
                    return Ok(());
                }
                flows
                    .text_code(
                        &self.deps,
                        &account,
                        Purpose::SecondFactor,
                        number.as_str(),
                        Some(pending),
                        Commit::at(now),
                    )
                    .await
            }
        })
        .await?;
        let challenge = self
            .flows
            .secrets
            .flows
            .find_open(tenant, uuid, Purpose::SecondFactor)
            .await?
            .ok_or_else(|| DomainError::Unavailable("the sign-in challenge vanished".into()))?;
        let region = phone_region(&self.flows, tenant, self.default_region).await?;
        Ok(SignInOutcome::CodeRequired {
            challenge: challenge.id,
            telephone: Some(masked(&number, region)),
            factors: vec!["sms"],
            webauthn: None,
        })
    }

    /// Redeems `challenge` with the texted `code` for a token. Wrong code `Invalid` (400, and
    /// counted toward the account's sign-in lockout like a wrong password), expired `Expired`,
    /// five tries `Locked`; an unknown challenge is `Invalid` too; a locked account, or one
    /// whose password changed since, `Unauthenticated`.
    pub async fn confirm(
        &self,
        tenant: &TenantId,
        challenge: &str,
        code: &str,
    ) -> Result<SignedIn, DomainError> {
        let now = self.deps.clock.now();
        let refused = || DomainError::SecretRefused(Refusal::Invalid);
        let (flow, account) = self.challenged(tenant, challenge, now).await?;
        // Only a code that was texted: a challenge of an account with an app holds a code
        // nobody was sent.
        if !account.two_factor || flow.target.is_empty() {
            return Err(refused());
        }
        let counted = match self
            .flows
            .secrets
            .check(Some(flow), Purpose::SecondFactor, code, now)
            .await
        {
            Ok(counted) => counted,
            Err(DomainError::SecretRefused(Refusal::Invalid)) => {
                count_sign_in_failure(&self.deps, &account, now).await?;
                return Err(refused());
            }
            Err(other) => return Err(other),
        };
        let (pending, hash) = self.held_sign_in(&counted, &account)?;
        let mut commit = Commit::at(now);
        commit.flows.push(counted.consume());
        match self.flows.commits.commit(commit).await {
            Ok(()) => {}
            Err(StoreError::FlowChanged) => return Err(refused()),
            Err(other) => return Err(other.into()),
        }
        self.sign_in.forget_failures(&account).await?;
        self.sign_in
            .open_session(
                &account,
                Some(&hash),
                now,
                pending.country,
                SignInMethod::PasswordAndSms,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_masked_but_their_last_four_digits() {
        let india = PhoneRegion::parse("IN");
        let number = Phone::parse("+919876543210").unwrap();
        assert_eq!(masked(&number, india), "••••••3210");
        assert_eq!(masked(&number, None), "••••••••3210");
    }
}
