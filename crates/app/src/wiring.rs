//! The composition root: adapters in, use cases out.

use std::sync::Arc;

use anyhow::Context;
use clientele_domain::services::{Customers, Deps, Profiles, SignIn, SignInSettings};
use clientele_http::AppState;
use clientele_security::{BcryptHasher, JwtAccessTokens, OsRandomness, SystemClock};
use clientele_store::Database;

use crate::config::Settings;
use crate::instance;

pub async fn app_state(settings: &Settings, database: Database) -> anyhow::Result<AppState> {
    let database = Arc::new(database);
    let random = Arc::new(OsRandomness);
    let keys = instance::resolve(settings, database.as_ref(), random.as_ref()).await?;
    let deps = Deps {
        accounts: database.clone(),
        sessions: database.clone(),
        passwords: Arc::new(BcryptHasher::new(settings.bcrypt_cost).map_err(anyhow::Error::msg)?),
        tokens: Arc::new(
            JwtAccessTokens::new(&keys.jwt_secret)
                .map_err(anyhow::Error::msg)
                .context("JWT key")?,
        ),
        clock: Arc::new(SystemClock),
        random,
    };
    let sign_in_settings = SignInSettings {
        session_ttl: time::Duration::seconds(i64::from(settings.session_ttl_secs)),
    };
    Ok(AppState {
        sign_in: Arc::new(SignIn::new(deps.clone(), sign_in_settings)),
        profiles: Arc::new(Profiles::new(deps.clone())),
        customers: Arc::new(Customers::new(deps)),
        database,
        admin_token_sha256: keys.admin_token_sha256.into(),
        body_limit: settings.body_limit_bytes,
    })
}
