//! Registering a passkey or security key: creation options for the browser or app (the
//! ceremony's state kept sealed in a pending enrolment that expires), then the authenticator's
//! response, checked, makes the factor.

use serde_json::Value;

use super::authenticator_app::factor_name;
use super::{account_label, FactorConfirmed, StrongFactors};
use crate::error::{DomainError, FieldErrors};
use crate::factors::{Factor, FactorId, FactorSecret};
use crate::flow::Purpose;
use crate::pending_change::{PendingChange, PendingFactor, PendingKind};
use crate::ports::PasskeyError;
use crate::services::Authenticated;

pub const CREDENTIAL: &str = "credential";

impl From<PasskeyError> for DomainError {
    fn from(error: PasskeyError) -> Self {
        match error {
            PasskeyError::NotConfigured(why) => {
                DomainError::Conflict(format!("passkeys are not configured: {why}"))
            }
            other => FieldErrors::single(CREDENTIAL, other.to_string()).into(),
        }
    }
}

impl StrongFactors {
    /// Creation options for a new passkey of the caller (recent sign-in needed); the account's
    /// passkeys are excluded. Asking again replaces the pending enrolment.
    pub async fn passkey_options(&self, who: &Authenticated) -> Result<Value, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let account = self.current(who).await?;
        let party = self
            .ports
            .party(self.flows.tenants.as_ref(), &account.tenant)
            .await?;
        let name = account_label(&account);
        let display = crate::customer_edit::full_name(&account.profile).unwrap_or_else(|| name.clone());
        let ceremony = self.ports.passkeys.start_registration(
            &party,
            account.uuid.0,
            &name,
            &display,
            &account.factors.passkeys(),
        )?;
        let pending = PendingChange::Enrolment(PendingFactor {
            name: String::new(),
            sealed: self.ports.sealer.seal(&ceremony.state),
            kind: PendingKind::Webauthn,
        });
        self.flows
            .open_unsent(
                &self.deps,
                account,
                Purpose::FactorEnrolment,
                &name,
                pending,
                Some(&who.session),
            )
            .await?;
        Ok(ceremony.options)
    }

    /// The passkey the authenticator's `credential` response (to the pending options) created,
    /// named `name` (recent sign-in needed). A response that does not verify is a field error
    /// on `credential` and counts toward the enrolment's five tries.
    pub async fn add_passkey(
        &self,
        who: &Authenticated,
        name: Option<&str>,
        credential: &Value,
    ) -> Result<FactorConfirmed, DomainError> {
        let now = self.deps.clock.now();
        self.flows.require_recent_sign_in(who, now)?;
        let name = factor_name(name, "Passkey")?;
        let tenant = &who.account.tenant;
        let repository = &self.flows.secrets.flows;
        let no_options = || DomainError::Conflict("ask for the options first (…/webauthn/options)".into());
        let flow = repository
            .find_open(tenant, who.account.uuid, Purpose::FactorEnrolment)
            .await?
            .filter(|f| matches!(&f.pending_change, Some(PendingChange::Enrolment(p)) if p.kind == PendingKind::Webauthn))
            .ok_or_else(no_options)?;
        let (counted, _, state) = self
            .counted_enrolment(&flow, PendingKind::Webauthn, no_options)
            .await?;
        let party = self.ports.party(self.flows.tenants.as_ref(), tenant).await?;
        let created = self
            .ports
            .passkeys
            .finish_registration(&party, credential, &state)?;
        let account = self.current(who).await?;
        if account
            .factors
            .passkeys()
            .iter()
            .any(|p| p.credential_id == created.credential_id)
        {
            return Err(FieldErrors::single(CREDENTIAL, "is one of the account's passkeys already").into());
        }
        let factor = Factor {
            id: FactorId(flow.id.0),
            name,
            created_at: now,
            last_used_at: None,
            secret: FactorSecret::Webauthn {
                credential_id: created.credential_id,
                passkey: created.passkey,
            },
        };
        self.add_confirmed(who, factor, &counted).await
    }
}
