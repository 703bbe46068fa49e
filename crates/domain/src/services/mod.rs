//! Use cases: load what they need through the ports, let the domain decide, commit once.

mod account_closing;
mod api_keys;
mod app_users;
mod audit_view;
mod customer_area;
mod customers;
mod deactivation;
mod deletion_requests;
mod delivery;
mod deps;
mod flow_kit;
mod ids;
mod loyalty;
mod outbox_view;
mod password_change;
mod profiles;
mod reapply;
mod second_factor;
mod sign_in;
mod tenants;
mod transitions;
mod tss_profile;
mod tss_profile_edit;
mod tss_two_factor;

pub use crate::lifecycle::MadeBy;
pub use account_closing::AccountClosing;
pub use api_keys::{ApiKeys, IssuedKey};
pub use app_users::{AppUserChange, AppUserView, AppUsers, PUSH_TOKEN};
pub use audit_view::AuditView;
pub use customer_area::{CustomerArea, Invitation};
pub use customers::{CustomerRef, Customers, NewCustomer};
pub use deactivation::{Deactivation, DeactivationStarted};
pub use deletion_requests::DeletionRequests;
pub use delivery::{BatchReport, Delivery, DeliverySettings, Senders};
pub use deps::Deps;
pub use flow_kit::{FlowDeps, LinkSettings};
pub use loyalty::{Loyalty, OrderPost, Posting, WalletPost};
pub use outbox_view::OutboxView;
pub use password_change::PasswordChange;
pub use profiles::Profiles;
pub use second_factor::{SecondFactor, SignInOutcome};
pub use sign_in::{Authenticated, SignIn, SignInSettings, SignedIn};
pub use tenants::Tenants;
pub use tss_profile::{referral_code, TssProfileView, TssProfiles};
pub use tss_profile_edit::{sanitize_name, TssEdit, ValidEdit, GENDERS, NO_BIRTHDATE};
pub use tss_two_factor::{CodeConfirmed, TwoFactorEdit};

#[cfg(test)]
pub(crate) mod test_support;
