//! Activating: the mailed secret and the first password.

use super::Onboarding;
use crate::error::{DomainError, FieldErrors};
use crate::flow::Purpose;
use crate::tenant::TenantId;
use crate::values::Password;

impl Onboarding {
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
        let now = self.kit.deps.clock.now();
        let flow = self
            .kit
            .checked_flow(tenant, identifier, Purpose::Activation, secret, now)
            .await?;
        let account = self.kit.account_of(&flow).await?;
        let hash = self.kit.deps.passwords.hash(&password).await?;
        self.kit
            .consume(account, &flow, |account| account.activate(hash.clone(), now))
            .await
    }
}
