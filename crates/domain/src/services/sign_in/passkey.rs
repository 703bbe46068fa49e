//! Passwordless sign-in with a passkey: options for whatever passkey the authenticator holds
//! for the tenant, then its assertion signs the account it names in. The challenge carries its
//! own state, sealed (no account is known yet); it is spent by recording it as a confirmed
//! flow of the account it signed in, so it works once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::password::{count_sign_in_failure, SignedIn};
use super::second_factor::SecondFactor;
use crate::account::{Account, AccountUuid};
use crate::audit::{Actor, AuditKind};
use crate::error::DomainError;
use crate::flow::{Channel, Flow, FlowId, FlowStatus, FlowWrite, Purpose, Refusal};
use crate::ports::{Commit, PasskeyError, StoreError, UniqueKey};
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::session::SignInMethod;
use crate::tenant::TenantId;

/// What a passwordless challenge holds, sealed.
#[derive(Serialize, Deserialize)]
struct Held {
    id: Uuid,
    tenant: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    state: String,
}

/// Options for a passwordless sign-in: the challenge to send back with the assertion, and the
/// request options for the browser or app.
#[derive(Debug, Clone)]
pub struct PasskeyOptions {
    pub challenge: String,
    pub options: Value,
}

impl SecondFactor {
    /// Starts a passwordless sign-in for `tenant`'s customers (discoverable credentials, user
    /// verification required). The challenge expires with the codes' lifetime (10 minutes).
    pub async fn passkey_options(&self, tenant: &TenantId) -> Result<PasskeyOptions, DomainError> {
        let now = self.deps.clock.now();
        let party = self.factors.party(self.flows.tenants.as_ref(), tenant).await?;
        let ceremony = self.factors.passkeys.start_discoverable(&party)?;
        let held = Held {
            id: self.deps.random.uuid(),
            tenant: tenant.as_str().to_owned(),
            expires_at: now + self.flows.settings.code_ttl,
            state: ceremony.state,
        };
        let held = serde_json::to_string(&held).expect("plain data serialises");
        Ok(PasskeyOptions {
            challenge: self.factors.sealer.seal(&held),
            options: ceremony.options,
        })
    }

    /// Signs in the account whose passkey made `credential` in answer to `challenge`. An
    /// unknown or altered challenge is `SecretRefused(Invalid)`, an expired one `Expired`, a
    /// used one `Invalid`; an assertion that does not verify (or names no passkey of an account
    /// that may sign in) `Unauthenticated`, counted toward that account's lockout.
    pub async fn sign_in_with_passkey(
        &self,
        tenant: &TenantId,
        challenge: &str,
        credential: &Value,
        country: Option<String>,
    ) -> Result<SignedIn, DomainError> {
        let now = self.deps.clock.now();
        let invalid = || DomainError::SecretRefused(Refusal::Invalid);
        let held: Held = self
            .factors
            .sealer
            .open(challenge.trim())
            .ok()
            .and_then(|json| serde_json::from_str(&json).ok())
            .filter(|h: &Held| h.tenant == tenant.as_str())
            .ok_or_else(invalid)?;
        if held.expires_at <= now {
            return Err(DomainError::SecretRefused(Refusal::Expired));
        }
        let (user, credential_id) = self
            .factors
            .passkeys
            .identify(credential)
            .map_err(|_| DomainError::Unauthenticated)?;
        let account = self
            .deps
            .accounts
            .find_by_uuid(tenant, AccountUuid(user))
            .await?
            .filter(|a| a.status.may_sign_in() && !a.sign_in.is_locked(now))
            .ok_or(DomainError::Unauthenticated)?;
        let party = self.factors.party(self.flows.tenants.as_ref(), tenant).await?;
        let (held, party, credential_id) = (&held, &party, &credential_id);
        let signed_in_as = on_current_account(self.deps.accounts.as_ref(), account, |current| async move {
            if !current.status.may_sign_in() {
                return Err(DomainError::Unauthenticated.into());
            }
            // Used already (a replay, or the request this one lost a race to): refused before
            // the assertion is looked at, which would otherwise read as a cloned authenticator.
            if self
                .flows
                .secrets
                .flows
                .find(tenant, FlowId(held.id))
                .await?
                .is_some()
            {
                return Err(invalid().into());
            }
            let stored = current
                .factors
                .passkeys()
                .into_iter()
                .find(|p| &p.credential_id == credential_id)
                .ok_or(DomainError::Unauthenticated)?;
            let signed =
                match self
                    .factors
                    .passkeys
                    .finish_discoverable(party, credential, &held.state, &stored)
                {
                    Ok(signed) => signed,
                    Err(refused) => {
                        if refused == PasskeyError::CounterWentBack {
                            let audit = self.deps.audit_entry(
                                &current,
                                AuditKind::SecondFactorRefused,
                                Actor::Customer,
                                Some("passkey sign counter went backwards"),
                            );
                            self.deps.audit.append(&audit).await?;
                        }
                        count_sign_in_failure(&self.deps, &current, now).await?;
                        return Err(DomainError::Unauthenticated.into());
                    }
                };
            let after = current
                .passkey_used(&signed.credential_id, signed.passkey, now)
                .ok_or(DomainError::Unauthenticated)?;
            let mut commit = Commit::at(now).updating(after.clone());
            commit.flows.push(FlowWrite::Insert(spent(held, &current, now)));
            match self.flows.commits.commit(commit).await {
                Err(StoreError::Duplicate(UniqueKey::Id)) => Err(invalid().into()),
                other => other.map_err(Attempt::from),
            }?;
            Ok(Account {
                version: after.version + 1,
                ..after
            })
        })
        .await?;
        self.sign_in.forget_failures(&signed_in_as).await?;
        let password = signed_in_as.password_hash.clone();
        self.sign_in
            .open_session(
                &signed_in_as,
                password.as_ref(),
                now,
                country,
                SignInMethod::Passkey,
            )
            .await
    }
}

/// The challenge as used: a confirmed sign-in flow under the challenge's id, which a second use
/// cannot insert again.
fn spent(held: &Held, account: &Account, now: OffsetDateTime) -> Flow {
    Flow {
        id: FlowId(held.id),
        tenant: account.tenant.clone(),
        account: account.uuid,
        purpose: Purpose::SecondFactor,
        channel: Channel::Email,
        target: String::new(),
        secret_digest: String::new(),
        status: FlowStatus::Confirmed,
        attempts: 1,
        max_attempts: 1,
        pending_change: None,
        expires_at: held.expires_at,
        created_at: now,
        updated_at: now,
        sent: 0,
        sent_at: now,
        version: 0,
    }
}
