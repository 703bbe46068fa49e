//! Closing an account: the tenant's closing policy, closing by a mailed code, and the back
//! office's decisions on deletion requests.

mod by_code;
mod deletion_requests;
pub(crate) mod policy;

pub use by_code::{Deactivation, DeactivationStarted};
pub use deletion_requests::DeletionRequests;
pub use policy::AccountClosing;
