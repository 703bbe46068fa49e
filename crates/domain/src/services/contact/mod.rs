//! Contact data: a new email address, confirmed by a key mailed to it, shown while it waits and
//! withdrawn at the customer's word. (A new telephone is held for a texted code as part of the
//! personal details: see [`crate::services::profile`].)

mod email_change;
mod pending_email;

pub use email_change::EmailChange;
pub use pending_email::PendingEmail;
