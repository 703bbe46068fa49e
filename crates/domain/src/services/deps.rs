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
