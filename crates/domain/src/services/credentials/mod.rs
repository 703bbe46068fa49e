//! Credentials: changing one's password while signed in, and resetting a forgotten one.

mod password_change;
mod reset;

pub use password_change::PasswordChange;
pub use reset::PasswordReset;
