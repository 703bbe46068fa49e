//! Removing a factor: by the customer (recent sign-in), or by the back office for a customer
//! who lost every one (audited with the admin as actor). Either way the customer is told.

use uuid::Uuid;

use super::{StrongFactors, SMS_FACTOR_ID};
use crate::account::Account;
use crate::error::DomainError;
use crate::factors::FactorId;
use crate::lifecycle::{IllegalTransition, MadeBy, Transition};
use crate::ports::Commit;
use crate::services::back_office::CustomerRef;
use crate::services::support::reapply::{on_current_account, Attempt};
use crate::services::Authenticated;
use crate::tenant::TenantId;

impl StrongFactors {
    /// Removes the caller's factor `id`. Texted codes are turned off where they were turned on
    /// (with a texted code): `Conflict` here.
    pub async fn remove(&self, who: &Authenticated, id: &str) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        if id == SMS_FACTOR_ID && who.account.two_factor {
            return Err(DomainError::Conflict(
                "texted codes are turned off with a texted code (TSS two-factor)".into(),
            ));
        }
        let id = factor_id(id)?;
        let account = self.current(who).await?;
        let by = MadeBy::customer().from_session(who.session.id);
        self.removing(account, by, |current| current.remove_factor(id, true, now))
            .await
    }

    /// The back office removes a customer's factor `id` (`sms` turns texted codes off).
    pub async fn remove_by_back_office(
        &self,
        tenant: &TenantId,
        customer: CustomerRef,
        id: &str,
    ) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        let account = self.deps.customer(tenant, customer).await?;
        if id == SMS_FACTOR_ID {
            return self
                .removing(account, MadeBy::back_office(), |current| {
                    if !current.two_factor {
                        return Err(IllegalTransition::NoSuchFactor);
                    }
                    let next = Account {
                        two_factor: false,
                        ..current.clone()
                    };
                    current.edit_by_back_office(next, now)
                })
                .await;
        }
        let id = factor_id(id)?;
        self.removing(account, MadeBy::back_office(), |current| {
            current.remove_factor(id, false, now)
        })
        .await
    }

    async fn removing(
        &self,
        account: Account,
        by: MadeBy<'_>,
        decide: impl Fn(&Account) -> Result<Transition, IllegalTransition>,
    ) -> Result<(), DomainError> {
        let now = self.deps.clock.now();
        let decide = &decide;
        on_current_account(self.deps.accounts.as_ref(), account, |current| async move {
            let transition = decide(&current).map_err(DomainError::from)?;
            let commit = self
                .flows
                .apply(&self.deps, Commit::at(now), &transition, by)
                .await?;
            self.flows.commits.commit(commit).await?;
            Ok::<_, Attempt>(())
        })
        .await
    }
}

fn factor_id(raw: &str) -> Result<FactorId, DomainError> {
    Uuid::parse_str(raw.trim())
        .map(FactorId)
        .map_err(|_| DomainError::NotFound)
}
