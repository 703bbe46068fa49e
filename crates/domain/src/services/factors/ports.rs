use std::sync::Arc;

use crate::ports::{AuthenticatorApps, Sealer};

/// What strong factors need besides [`crate::services::Deps`] and the flows: the apps' codes,
/// and the sealer of their secrets (under its own key).
#[derive(Clone)]
pub struct FactorPorts {
    pub apps: Arc<dyn AuthenticatorApps>,
    pub sealer: Arc<dyn Sealer>,
}
