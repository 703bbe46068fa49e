//! Contact data: a new email address, confirmed by a key mailed to it. (A new telephone is held
//! for a texted code as part of the personal details: see [`crate::services::profile`].)

mod email_change;

pub use email_change::EmailChange;
