use std::sync::Arc;

use clientele_domain::ports::Readiness;
use clientele_domain::services::{
    AccountClosing, ApiKeys, AppUsers, AuditView, Customers, Deactivation, DeletionRequests, EmailChange,
    Loyalty, Onboarding, OutboxView, PasswordChange, PasswordReset, PersonalDetails, ProfileView, Profiles,
    SecondFactor, SignIn, Tenants,
};

/// What the handlers share: the use cases and what the edge itself needs.
#[derive(Clone)]
pub struct AppState {
    pub sign_in: Arc<SignIn>,
    /// Sign-in with the second factor when the account has it on.
    pub second_factor: Arc<SecondFactor>,
    /// The customer's authenticator apps and recovery codes.
    pub factors: Arc<clientele_domain::services::StrongFactors>,
    /// Where the customer is signed in, signing devices out, their activity.
    pub sessions: Arc<clientele_domain::services::Sessions>,
    /// Everything held about an account, for the customer or the back office.
    pub export: Arc<clientele_domain::services::DataExport>,
    pub profiles: Arc<Profiles>,
    pub customers: Arc<Customers>,
    /// Customers moved in from an earlier system, and the records of those runs.
    pub imports: Arc<clientele_domain::services::Imports>,
    /// Tenants' own message templates.
    pub templates: Arc<clientele_domain::services::TenantTemplates>,
    /// Finding customers in the back office.
    pub customer_search: Arc<clientele_domain::services::CustomerSearch>,
    /// Sign-up and activation.
    pub onboarding: Arc<Onboarding>,
    /// Editing oneself with a new address confirmed by a mailed key (Customer area).
    pub email_change: Arc<EmailChange>,
    /// Resetting a forgotten password with a mailed code.
    pub password_reset: Arc<PasswordReset>,
    /// The tenants this instance serves, and their apps' keys.
    pub tenants: Arc<Tenants>,
    pub api_keys: Arc<ApiKeys>,
    /// Each tenant's webhook endpoints and their deliveries.
    pub webhooks: Arc<clientele_domain::services::Webhooks>,
    /// Closing accounts, as each tenant's policy says.
    pub closing: Arc<AccountClosing>,
    /// The audit trail as the back office reads it.
    pub audit: Arc<AuditView>,
    /// The back office's decisions on deletion requests, and reactivation.
    pub deletion_requests: Arc<DeletionRequests>,
    /// Closing one's account by an emailed code (B2Core).
    pub deactivation: Arc<Deactivation>,
    /// The loyalty wallet and orders (back office feeds, TSS profile reads).
    pub loyalty: Arc<Loyalty>,
    /// The profile with the account's standing (wallet, orders) as TSS shows it.
    pub profile_view: Arc<ProfileView>,
    /// Personal details, a new telephone and the two-factor switch held for a texted code (TSS).
    pub personal_details: Arc<PersonalDetails>,
    /// Changing one's password while signed in (TSS).
    pub password_change: Arc<PasswordChange>,
    /// What apps change of their users (CL2C).
    pub app_users: Arc<AppUsers>,
    /// Per-API-key limits; `None` for no limit.
    pub key_limits: Option<crate::KeyLimits>,
    /// The proxies whose forwarding headers say who the client is (`CLIENTELE_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::TrustedProxies,
    /// The header a trusted proxy sets to the client's country (`CLIENTELE_COUNTRY_HEADER`):
    /// read only from a trusted proxy.
    pub country_header: Option<actix_web::http::header::HeaderName>,
    /// The back office's view of the outbox.
    pub outbox: Arc<OutboxView>,
    /// Answers the readiness probe.
    pub readiness: Arc<dyn Readiness>,
    /// SHA-256 (hex) of the back-office bearer token; the token itself is never kept.
    pub admin_token_sha256: Arc<str>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Per-client limits on the unauthenticated sensitive routes; `None` for no limit.
    pub rate_limits: Option<crate::RateLimits>,
    /// The metrics' exposition text for `GET /metrics` (behind the admin token); `None` when
    /// they are served elsewhere (`CLIENTELE_METRICS_LISTEN`) or not recorded.
    pub metrics: Option<crate::MetricsText>,
}
