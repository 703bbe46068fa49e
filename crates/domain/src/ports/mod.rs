//! What the use cases need from the outside world. Each trait says what its errors mean;
//! adapters map their failures onto exactly those variants.

mod accounts;
mod audit;
mod authenticator_apps;
mod clock;
mod deletion_requests;
mod flows;
mod imports;
mod instance_secrets;
mod loyalty;
mod mail;
mod message_rendering;
mod message_templates;
mod outbox;
mod passkeys;
mod passwords;
mod random;
mod readiness;
mod secrets;
mod sessions;
mod sms;
mod store_error;
mod tenants;
mod tokens;
mod unit_of_work;
mod webhooks;

pub use accounts::AccountRepository;
pub use audit::{AuditLog, RequestContext};
pub use authenticator_apps::{AppEnrolment, AuthenticatorApps};
pub use clock::Clock;
pub use deletion_requests::DeletionRequestRepository;
pub use flows::FlowRepository;
pub use imports::{CustomerImports, Existing, Placed};
pub use instance_secrets::InstanceSecrets;
pub use loyalty::LoyaltyRepository;
pub use mail::{DeliveryError, Mail, MailSender};
pub use message_rendering::MessageRenderer;
pub use message_templates::MessageTemplates;
pub use outbox::{Outbox, PendingMessages};
pub use passkeys::{Ceremony, PasskeyError, Passkeys, RelyingParty, StoredPasskey};
pub use passwords::{FirebaseScrypt, HashError, PasswordHasher};
pub use random::Randomness;
pub use readiness::Readiness;
pub use secrets::{SealError, Sealer, SecretDigester};
pub use sessions::SessionRepository;
pub use sms::{Text, TextSender};
pub use store_error::{StoreError, UniqueKey};
pub use tenants::{ApiKeyRepository, TenantRepository};
pub use tokens::{AccessClaims, AccessTokens, PassphraseTokens, TokenError};
pub use unit_of_work::{AccountWrite, Commit, Erasure, Revocation, SessionReplacement, UnitOfWork};
pub use webhooks::{PostError, WebhookRepository, WebhookRequest, WebhookTransport};

#[cfg(any(test, feature = "mock"))]
pub use accounts::MockAccountRepository;
#[cfg(any(test, feature = "mock"))]
pub use audit::{MockAuditLog, MockRequestContext};
#[cfg(any(test, feature = "mock"))]
pub use authenticator_apps::MockAuthenticatorApps;
#[cfg(any(test, feature = "mock"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mock"))]
pub use deletion_requests::MockDeletionRequestRepository;
#[cfg(any(test, feature = "mock"))]
pub use flows::MockFlowRepository;
#[cfg(any(test, feature = "mock"))]
pub use imports::MockCustomerImports;
#[cfg(any(test, feature = "mock"))]
pub use instance_secrets::MockInstanceSecrets;
#[cfg(any(test, feature = "mock"))]
pub use loyalty::MockLoyaltyRepository;
#[cfg(any(test, feature = "mock"))]
pub use mail::MockMailSender;
#[cfg(any(test, feature = "mock"))]
pub use message_rendering::MockMessageRenderer;
#[cfg(any(test, feature = "mock"))]
pub use message_templates::MockMessageTemplates;
#[cfg(any(test, feature = "mock"))]
pub use outbox::MockOutbox;
#[cfg(any(test, feature = "mock"))]
pub use passkeys::MockPasskeys;
#[cfg(any(test, feature = "mock"))]
pub use passwords::MockPasswordHasher;
#[cfg(any(test, feature = "mock"))]
pub use random::MockRandomness;
#[cfg(any(test, feature = "mock"))]
pub use readiness::MockReadiness;
#[cfg(any(test, feature = "mock"))]
pub use secrets::{MockSealer, MockSecretDigester};
#[cfg(any(test, feature = "mock"))]
pub use sessions::MockSessionRepository;
#[cfg(any(test, feature = "mock"))]
pub use sms::MockTextSender;
#[cfg(any(test, feature = "mock"))]
pub use tenants::{MockApiKeyRepository, MockTenantRepository};
#[cfg(any(test, feature = "mock"))]
pub use tokens::{MockAccessTokens, MockPassphraseTokens};
#[cfg(any(test, feature = "mock"))]
pub use unit_of_work::MockUnitOfWork;
#[cfg(any(test, feature = "mock"))]
pub use webhooks::{MockWebhookRepository, MockWebhookTransport};
