use std::sync::Arc;

use crate::ports::{AccessTokens, AccountRepository, Clock, PasswordHasher, Randomness, SessionRepository};

/// The ports the use cases share; cloning clones the handles, not the adapters.
#[derive(Clone)]
pub struct Deps {
    pub accounts: Arc<dyn AccountRepository>,
    pub sessions: Arc<dyn SessionRepository>,
    pub passwords: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn AccessTokens>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Randomness>,
}

impl Deps {
    /// The account with the address a customer typed, if the text is an address and has one.
    pub async fn account_by_email(
        &self,
        tenant: &crate::TenantId,
        typed: &str,
    ) -> Result<Option<crate::Account>, crate::ports::StoreError> {
        match crate::values::Email::parse(typed) {
            Ok(email) => self.accounts.find_by_email(tenant, email.normalized()).await,
            Err(_) => Ok(None),
        }
    }
}
