//! The customer's strong factors: listing them, enrolling an authenticator app or a passkey,
//! recovery codes, and removing a factor (the customer, or the back office for a customer who lost
//! every one). Adding, removing and replacing codes are transitions of the account (see
//! `crate::lifecycle`): other open flows end and the customer is told.

mod authenticator_app;
mod listing;
mod passkey;
mod ports;
mod recovery_codes;
mod removal;

pub use authenticator_app::AppEnrolmentStarted;
pub use listing::{FactorList, FactorView};
pub use ports::{FactorPorts, PartySettings};
pub use recovery_codes::matching_recovery_code;

use crate::account::Account;
use crate::error::DomainError;
use crate::factors::Factor;
use crate::flow::{Flow, Refusal};
use crate::lifecycle::MadeBy;
use crate::pending_change::{PendingChange, PendingFactor, PendingKind};
use crate::ports::{Commit, StoreError};
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::support::FlowDeps;
use crate::services::{Authenticated, Deps};

/// The id the texted-code factor (TSS two-factor) is listed and removed under.
pub const SMS_FACTOR_ID: &str = "sms";

pub struct StrongFactors {
    deps: Deps,
    flows: FlowDeps,
    ports: FactorPorts,
}

impl StrongFactors {
    pub fn new(deps: Deps, flows: FlowDeps, ports: FactorPorts) -> Self {
        StrongFactors { deps, flows, ports }
    }

    /// A try counted at the pending enrolment `flow` of `kind`: the flow as counted and what it
    /// keeps, its sealed part opened. A flow that is no longer open is `gone`.
    async fn counted_enrolment(
        &self,
        flow: &Flow,
        kind: PendingKind,
        gone: impl Fn() -> DomainError,
    ) -> Result<(Flow, PendingFactor, String), DomainError> {
        let now = self.deps.clock.now();
        let counted = match self.flows.secrets.count_try(flow, now).await {
            Err(DomainError::SecretRefused(Refusal::Invalid)) => return Err(gone()),
            other => other?,
        };
        let Some(PendingChange::Enrolment(pending)) = counted.pending_change.clone() else {
            return Err(gone());
        };
        if pending.kind != kind {
            return Err(gone());
        }
        let opened = self
            .ports
            .sealer
            .open(&pending.sealed)
            .map_err(|_| DomainError::Unavailable("an enrolment could not be opened".into()))?;
        Ok((counted, pending, opened))
    }

    /// The caller's account as stored now, if it may still sign in.
    async fn current(&self, who: &Authenticated) -> Result<Account, DomainError> {
        self.deps
            .accounts
            .find_by_uuid(&who.account.tenant, who.account.uuid)
            .await?
            .filter(|a| a.status.may_sign_in())
            .ok_or(DomainError::Unauthenticated)
    }
}

/// A factor confirmed, with the recovery codes when it is the account's first strong factor.
#[derive(Debug, Clone)]
pub struct FactorConfirmed {
    pub factor: Factor,
    pub recovery_codes: Option<Vec<String>>,
}

impl StrongFactors {
    /// Adds `factor`, which the enrolment `completing` proved, to the caller's account: with
    /// ten recovery codes when it is the first strong factor. The enrolment is consumed in the
    /// same commit (a second confirmation is `NotFound`).
    async fn add_confirmed(
        &self,
        who: &Authenticated,
        factor: Factor,
        completing: &Flow,
    ) -> Result<FactorConfirmed, DomainError> {
        let now = self.deps.clock.now();
        let account = self.current(who).await?;
        let digester = self.flows.secrets.digester.clone();
        on_current_account(self.deps.accounts.as_ref(), account, |current| {
            let (factor, digester) = (factor.clone(), digester.clone());
            async move {
                let (shown, digests) = if current.factors.any() {
                    (None, None)
                } else {
                    let (shown, digests) = recovery_codes::new_set(&self.deps, digester.as_ref());
                    (Some(shown), Some(digests))
                };
                let transition = current
                    .add_factor(factor.clone(), digests, now)
                    .map_err(DomainError::from)?;
                let by = MadeBy::customer()
                    .completing(completing)
                    .from_session(who.session.id);
                let commit = self
                    .flows
                    .apply(&self.deps, Commit::at(now), &transition, by)
                    .await?;
                match self.flows.commits.commit(commit).await {
                    // Confirmed meanwhile by a concurrent request.
                    Err(StoreError::FlowChanged) => Err(DomainError::NotFound.into()),
                    other => other.map_err(Attempt::from),
                }?;
                Ok::<_, Attempt>(FactorConfirmed {
                    factor,
                    recovery_codes: shown,
                })
            }
        })
        .await
    }
}

/// How an authenticator or app names the account: its address, or its numeric id.
fn account_label(account: &Account) -> String {
    account
        .customer_email()
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|| account.public_id.to_string())
}
