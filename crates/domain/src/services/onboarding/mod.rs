//! Onboarding: signing up (or being invited by the back office) and activating the account with
//! the mailed secret and a first password.

mod activation;
mod sign_up;

use crate::profile::Profile;
use crate::services::support::secret_mail::SecretMails;
use crate::services::{Deps, FlowDeps};
use crate::values::Email;

/// A sign-up or an invitation: an account waiting for its activation.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub email: Email,
    pub profile: Profile,
    /// An earlier system's id for the customer (see `Account::external_id`).
    pub external_id: Option<String>,
}

/// Sign-up, invitation and activation.
pub struct Onboarding {
    kit: SecretMails,
}

impl Onboarding {
    pub fn new(deps: Deps, flows: FlowDeps) -> Self {
        Onboarding {
            kit: SecretMails { deps, flows },
        }
    }
}
