//! The profile: read with the account's standing, edited by its customer (plain fields; personal
//! details with a new telephone or the two-factor switch held for a texted code), or by a
//! tenant's app for its users.

mod app_managed;
mod edit;
pub(crate) mod personal_details;
mod phone_and_two_factor;
pub(crate) mod view;

pub use app_managed::{AppUserChange, AppUserView, AppUsers, PUSH_TOKEN};
pub use edit::Profiles;
pub use personal_details::{sanitize_name, DetailsEdit, PersonalDetails, ValidEdit};
pub use phone_and_two_factor::{CodeConfirmed, TwoFactorEdit};
pub use view::{referral_code, ProfileStanding, ProfileView};
