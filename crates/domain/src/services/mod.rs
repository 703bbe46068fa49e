//! Use cases, by capability: each loads what it needs through the ports, lets the domain decide,
//! and commits once. The client surfaces (in the HTTP adapter) map their requests onto these.

pub mod back_office;
pub mod closing;
pub mod contact;
pub mod credentials;
pub mod delivery;
pub mod export;
pub mod factors;
pub mod imports;
pub mod loyalty;
pub mod messages;
pub mod onboarding;
pub mod profile;
pub mod sessions;
pub mod sign_in;
pub mod support;
pub mod webhooks;

pub use crate::lifecycle::MadeBy;
pub use back_office::{
    ApiKeys, AuditView, CustomerRef, CustomerSearch, Customers, IssuedKey, NewCustomer, OutboxView,
    SearchPage, SearchRequest, Tenants,
};
pub use closing::{AccountClosing, Deactivation, DeactivationStarted, DeletionRequests};
pub use contact::{EmailChange, PendingEmail};
pub use credentials::{PasswordChange, PasswordReset};
pub use delivery::{BatchReport, Delivery, DeliverySettings, Senders};
pub use export::{AccountData, DataExport};
pub use factors::{FactorPorts, PartySettings, StrongFactors};
pub use imports::{ImportOptions, ImportRun, Imports};
pub use loyalty::{Loyalty, OrderPost, Posting, WalletPost};
pub use messages::{ShownTemplate, TenantTemplates};
pub use onboarding::{Invitation, Onboarding};
pub use profile::{
    referral_code, sanitize_name, AppUserChange, AppUserView, AppUsers, CodeConfirmed, DetailsEdit,
    PersonalDetails, ProfileStanding, ProfileView, Profiles, TwoFactorEdit, ValidEdit, PUSH_TOKEN,
};
pub use sessions::{ActivityEntry, SessionView, Sessions};
pub use sign_in::{Authenticated, SecondFactor, SignIn, SignInOutcome, SignInSettings, SignedIn};
pub use support::{
    Commits, Deps, EditTurns, FlowDeps, FlowPorts, IfVersion, LinkSettings, Messages, Secrets,
};
pub use webhooks::{
    CreatedEndpoint, EndpointInput, WebhookOutcome, WebhookSending, WebhookSettings, Webhooks,
};
