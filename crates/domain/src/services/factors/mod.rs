//! The customer's strong factors: listing them, enrolling an authenticator app, recovery
//! codes, and removing a factor (the customer, or the back office for a customer who lost
//! every one). Adding, removing and replacing codes are transitions of the account (see
//! `crate::lifecycle`): other open flows end and the customer is told.

mod authenticator_app;
mod listing;
mod ports;
mod recovery_codes;
mod removal;

pub use authenticator_app::{AppConfirmed, AppEnrolmentStarted};
pub use listing::{FactorList, FactorView};
pub use ports::FactorPorts;
pub use recovery_codes::matching_recovery_code;

use crate::account::Account;
use crate::error::DomainError;
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
